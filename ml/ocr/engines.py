"""OCR engine interface and registry.

An engine turns one preprocessed page image into words with boxes. Engines register
themselves by name with :func:`register_engine`; :func:`get_engine` returns a per-process
instance. Built in: "tesseract" (libtesseract kept loaded in the process through tesserocr
where it is installed, else the command through pytesseract) and "tesseract-cli" (always the
command, a process per page) and "rapidocr" (the ``rapidocr`` package with the ONNX
models inside its wheel; :class:`~ml.ocr.types.EngineUnavailable` where it is not
installed). Tesseract is the default reader; RapidOCR is the second opinion.

Tesseract's own OpenMP threading makes pages several times slower on a busy machine, so
this module forces ``OMP_THREAD_LIMIT=1`` for every tesseract it starts; parallelism
comes from several processes (see :mod:`ml.ocr.pool`).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from functools import cache
from typing import Protocol

from PIL import Image

from .types import EngineUnavailable, UnreadableDocument, Word

os.environ["OMP_THREAD_LIMIT"] = "1"

TESSERACT_TIMEOUT_SECONDS = float(os.environ.get("ML_OCR_TIMEOUT", 120))


class OcrEngine(Protocol):
    """What every engine offers. Boxes are (x, y, w, h) in the given image's pixels."""

    name: str

    def version(self) -> str:
        """Engine + model version string (part of the cache key)."""

    def recognize(self, image: Image.Image, *, lang: str, psm: int = 3) -> list[Word]:
        """Recognise the words of one page image."""


_FACTORIES: dict[str, Callable[[], OcrEngine]] = {}
AUTO_ENGINE = "auto"  # pseudo-engine: tesseract, then RapidOCR on low-confidence pages


def register_engine(name: str) -> Callable[[Callable[[], OcrEngine]], Callable[[], OcrEngine]]:
    """Decorator registering an engine factory (a class or zero-argument callable)."""

    def decorator(factory: Callable[[], OcrEngine]) -> Callable[[], OcrEngine]:
        _FACTORIES[name] = factory
        _instance.cache_clear()
        return factory

    return decorator


def available_engines() -> list[str]:
    """Names accepted as ``engine=``: registered engines (not necessarily installed)
    plus "auto"."""
    return sorted([*_FACTORIES, AUTO_ENGINE])


@cache
def _instance(name: str) -> OcrEngine:
    return _FACTORIES[name]()


def get_engine(name: str) -> OcrEngine:
    """Return the engine registered as *name*; ``ValueError`` for unknown names and
    :class:`EngineUnavailable` when its package is missing."""
    if name == AUTO_ENGINE:
        name = "tesseract"
    if name not in _FACTORIES:
        raise ValueError(f"unknown OCR engine {name!r}; known: {', '.join(available_engines())}")
    return _instance(name)


def _tesserocr():
    """The tesserocr module (libtesseract in this process), or None if it is not installed
    or is switched off with ``ML_TESSERACT_LIBRARY=0``."""
    if os.environ.get("ML_TESSERACT_LIBRARY", "1").strip().lower() in ("0", "off", "no", "false"):
        return None
    try:
        import tesserocr  # type: ignore[import-not-found]
    except ImportError:
        return None
    return tesserocr


@register_engine("tesseract")
class TesseractEngine:
    """Tesseract 5, single-threaded (parallelism comes from processes).

    Where the ``tesserocr`` binding is installed (built against the system's libtesseract,
    the one the ``tesseract`` command uses), pages are read by libtesseract kept loaded in
    this process: one model load per process and language instead of a new ``tesseract``
    process and model load for every page (about 120 ms of CPU a page). Otherwise, and for
    the "tesseract-cli" engine, the ``tesseract`` command runs through pytesseract on a PGM
    file. Both get the same greyscale pixels without a resolution and the same settings, so
    they return the same words.
    """

    name = "tesseract"

    def __init__(self, library: bool | None = None) -> None:
        import pytesseract

        self._pytesseract = pytesseract
        self._library = _tesserocr() if library is not False else None
        self._threads = threading.local()  # libtesseract handles are not shared by threads
        if self._library is not None:
            # "tesseract 5.3.0\n leptonica-1.82.0 ...": the library actually reading pages
            self._version = self._library.tesseract_version().split()[1]
            return
        try:
            self._version = str(pytesseract.get_tesseract_version())
        except (pytesseract.TesseractNotFoundError, OSError) as exc:
            raise EngineUnavailable(f"tesseract is not installed: {exc}") from exc

    def version(self) -> str:
        """Tesseract version, e.g. ``tesseract-5.3.0``."""
        return f"tesseract-{self._version}"

    @property
    def in_process(self) -> bool:
        """True when pages are read by libtesseract in this process, not by the command."""
        return self._library is not None

    def recognize(self, image: Image.Image, *, lang: str, psm: int = 3) -> list[Word]:
        """Read the greyscale image and return its words with line indices."""
        if image.mode != "L":
            image = image.convert("L")
        api = self._api(lang) if self._library is not None else None
        tsv = (
            self._read_in_process(api, image, psm)
            if api
            else self._read_with_command(image, lang, psm)
        )
        return _words_from_tsv(tsv)

    def _api(self, lang: str):
        """This thread's libtesseract handle for *lang* (created on first use; None if the
        language cannot be loaded, and then the command reports the problem)."""
        handles = self._threads.__dict__.setdefault("handles", {})
        if lang not in handles:
            try:
                handles[lang] = self._library.PyTessBaseAPI(lang=lang)
            except RuntimeError:
                handles[lang] = None
        return handles[lang]

    @staticmethod
    def _read_in_process(api, image: Image.Image, psm: int) -> str:
        """TSV of one page read by libtesseract from the pixels, with a time limit. The raw
        pixels carry no resolution, like the command's PGM file, so tesseract estimates it
        the same way and the words come out the same."""
        api.SetPageSegMode(psm)
        api.SetImageBytes(image.tobytes(), image.width, image.height, 1, image.width)
        try:
            if not api.Recognize(int(TESSERACT_TIMEOUT_SECONDS * 1000)):
                raise UnreadableDocument(
                    "timeout", f"OCR took longer than {TESSERACT_TIMEOUT_SECONDS:.0f} s"
                )
            return api.GetTSVText(0)
        finally:
            api.Clear()

    def _read_with_command(self, image: Image.Image, lang: str, psm: int) -> str:
        """TSV of one page read by the ``tesseract`` command from an uncompressed PGM file
        (quicker than PNG to write and read), with a time limit."""
        pyt = self._pytesseract
        handle, path = tempfile.mkstemp(prefix="ml-ocr-", suffix=".pgm")
        os.close(handle)
        try:
            image.save(path)
            return pyt.image_to_data(
                path,
                lang=lang,
                config=f"--psm {psm}",
                output_type=pyt.Output.STRING,
                timeout=TESSERACT_TIMEOUT_SECONDS,
            )
        except RuntimeError as exc:  # pytesseract raises RuntimeError on timeout
            raise UnreadableDocument("timeout", f"OCR took too long: {exc}") from exc
        except pyt.TesseractError as exc:
            raise UnreadableDocument("corrupt", f"tesseract failed: {exc}") from exc
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass


@register_engine("tesseract-cli")
def _tesseract_command() -> TesseractEngine:
    """Tesseract through the command only, a process per page (as before the library)."""
    engine = TesseractEngine(library=False)
    engine.name = "tesseract-cli"
    return engine


def _words_from_tsv(tsv: str) -> list[Word]:
    """Words with dense line numbers from tesseract's TSV output (level, page, block, par,
    line, word, left, top, width, height, conf, text). Parsed here rather than by
    pytesseract's generic table reader, which costs several milliseconds a page."""
    words: list[Word] = []
    line_ids: dict[tuple[str, str, str], int] = {}
    for row in tsv.splitlines():  # the command's header row is no word: skipped below
        cells = row.split("\t", 11)
        if len(cells) < 12 or cells[0] != "5":  # 5: word level; others are layout rows
            continue
        text = cells[11].strip()
        if not text:
            continue
        line = line_ids.setdefault((cells[2], cells[3], cells[4]), len(line_ids))
        box = (int(cells[6]), int(cells[7]), int(cells[8]), int(cells[9]))
        # Whole numbers, as pytesseract's reader gave them (thresholds were tuned on those).
        words.append(Word(text, float(int(float(cells[10]))), box, line))
    return words


RAPIDOCR_MODELS = {  # the ONNX models inside the ``rapidocr`` wheel (3.10): never fetched
    "Det": "PP-OCRv6_det_small.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}


@register_engine("rapidocr")
class RapidOcrEngine:
    """RapidOCR 3 (PP-OCR ONNX models shipped in the ``rapidocr`` wheel, run by onnxruntime).

    Better than tesseract on phone photos at about 3x its CPU for a whole page; a single
    line read without detection (:meth:`read_line`) costs tens of milliseconds, which is how
    the review uses it as a second reader of names (:mod:`ml.ocr.second`). Every model is
    given by its path inside the installed package, so nothing is ever downloaded at run
    time: a package without its models is :class:`EngineUnavailable`. Models load lazily
    (the detector only when a whole page is read)."""

    name = "rapidocr"

    def __init__(self) -> None:
        try:
            import rapidocr  # type: ignore[import-not-found]
        except ImportError as exc:
            raise EngineUnavailable("install the 'rapidocr' package") from exc
        from pathlib import Path

        models = Path(rapidocr.__file__).parent / "models"
        paths = {stage: models / file for stage, file in RAPIDOCR_MODELS.items()}
        missing = [str(path) for path in paths.values() if not path.is_file()]
        if missing:  # the library would download them: refuse instead
            raise EngineUnavailable(f"rapidocr models missing: {', '.join(missing)}")
        # One thread per process, like tesseract: parallelism comes from the pool.
        self._ocr = rapidocr.RapidOCR(
            params={
                "Global.log_level": "warning",
                "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                **{f"{stage}.model_path": str(path) for stage, path in paths.items()},
            }
        )
        self._lock = threading.Lock()  # the call updates shared settings (use_det, ...)

    def version(self) -> str:
        """RapidOCR package version."""
        from importlib.metadata import version

        return f"rapidocr-{version('rapidocr')}"

    def recognize(self, image: Image.Image, *, lang: str, psm: int = 3) -> list[Word]:
        """Detect and recognise text boxes; boxes on the same visual line share a line
        index (so "出生" and "1984年3月23日" form one line). *lang*/*psm* are ignored."""
        import numpy as np

        with self._lock:
            output = self._ocr(
                np.asarray(image.convert("RGB")), use_det=True, use_cls=True, use_rec=True
            )
        boxes = getattr(output, "boxes", None)
        texts = getattr(output, "txts", None)
        scores = getattr(output, "scores", None)
        if boxes is None or texts is None:
            return []
        words = []
        for quad, text, score in zip(
            boxes, texts, scores if scores is not None else [1.0] * len(texts)
        ):
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            box = (int(min(xs)), int(min(ys)), int(max(xs) - min(xs)), int(max(ys) - min(ys)))
            words.append(Word(str(text).strip(), float(score) * 100.0, box, 0))
        return group_into_lines([w for w in words if w.text])

    def read_line(self, image: Image.Image) -> tuple[str, float]:
        """Text and confidence (0-100) of an image holding one line of text, read by the
        recogniser alone (no detection, no orientation model): ``("", 0.0)`` if nothing."""
        import numpy as np

        with self._lock:
            output = self._ocr(
                np.asarray(image.convert("RGB")),
                use_det=False,
                use_cls=False,
                use_rec=True,
                text_score=0.0,
            )
        texts = list(getattr(output, "txts", None) or ())
        scores = list(getattr(output, "scores", None) or ())
        if not texts:
            return "", 0.0
        text = "".join(str(t).strip() for t in texts)
        score = min(float(s) for s in scores) if scores else 0.0
        return text, score * 100.0


def group_into_lines(words: list[Word]) -> list[Word]:
    """Assign line indices to boxes by vertical overlap (for engines that return
    unordered text boxes); returns the words in reading order."""
    ordered = sorted(words, key=lambda w: w.box[1] + w.box[3] / 2)
    lines: list[list[Word]] = []
    for word in ordered:
        centre = word.box[1] + word.box[3] / 2
        if lines:
            last = lines[-1]
            top = min(w.box[1] for w in last)
            bottom = max(w.box[1] + w.box[3] for w in last)
            overlap = min(bottom, word.box[1] + word.box[3]) - max(top, word.box[1])
            if top <= centre <= bottom or overlap > 0.5 * min(word.box[3], bottom - top):
                last.append(word)
                continue
        lines.append([word])
    result = []
    for index, line in enumerate(lines):
        for word in sorted(line, key=lambda w: w.box[0]):
            word.line = index
            result.append(word)
    return result
