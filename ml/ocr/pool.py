"""Process-pool OCR of many documents, engine-agnostic.

Each worker process runs single-threaded tesseract (``OMP_THREAD_LIMIT=1``), so the
machine's cores are used by processes, not by OpenMP threads fighting each other.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor

from .types import OcrResult, UnreadableDocument


def _init_worker() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"


def _run_one(args: tuple[object, dict]) -> OcrResult | UnreadableDocument:
    from .pipeline import run_ocr

    source, options = args
    try:
        return run_ocr(source, **options)
    except UnreadableDocument as exc:
        return exc


def ocr_many(
    sources: Iterable[object],
    *,
    workers: int = 2,
    mp_context: str | None = None,
    **options: object,
) -> list[OcrResult | UnreadableDocument]:
    """OCR every source (path, bytes or PIL image) with *workers* processes.

    Returns results in input order; an unreadable input gives its
    :class:`UnreadableDocument` in place of a result instead of failing the batch.
    *options* are passed to :func:`ml.ocr.run_ocr` (lang, engine, cache ...).
    *mp_context* picks the multiprocessing start method (default: the platform's).
    """
    jobs = [(source, dict(options)) for source in sources]
    if workers <= 1 or len(jobs) <= 1:
        return [_run_one(job) for job in jobs]
    context = multiprocessing.get_context(mp_context) if mp_context else None
    try:  # start the engine once here so that forked workers inherit it ready to use
        from .engines import get_engine

        get_engine(str(options.get("engine", "tesseract")))
    except Exception:  # noqa: BLE001 - workers will report the problem per document
        pass
    with ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)), mp_context=context, initializer=_init_worker
    ) as pool:
        return list(pool.map(_run_one, jobs, chunksize=1))
