"""OCR'd synthetic samples for training and held-out evaluation.

:func:`make_specs` lists what to render (doc type, seed, layout set, capture);
:func:`ocr_samples` renders and OCRs them in a process pool (one single-threaded
tesseract per process, ``OMP_THREAD_LIMIT=1``).  OCR results are cached by content
hash (``ml.ocr``'s cache, or a small text cache when falling back to pytesseract), so
a second training run with the same seed skips OCR entirely.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ml.synthetic import render, synthetic_types
from ml.synthetic.cli import pick_capture


@dataclass
class Spec:
    """One document to render: type, index, seed, layout set and capture."""

    doc_type: str
    index: int
    seed: int
    layouts: str = "train"
    capture: str = "mixed"
    fonts: tuple[str, ...] = ()  # font files to draw with; empty: the layout set's fonts


@dataclass
class Sample:
    """A rendered, OCR'd document: ground truth, OCR text and layout features."""

    doc_type: str
    text: str
    features: dict
    fields: dict = field(default_factory=dict)
    capture: str = "clean"
    layouts: str = "train"
    group: str = ""
    ocr_seconds: float = 0.0


def make_specs(
    per_class: int,
    *,
    seed: int,
    layouts: str,
    types: tuple[str, ...] | None = None,
    capture: str = "mixed",
    fonts: tuple[str, ...] = (),
) -> list[Spec]:
    """Specs for *per_class* documents of every type in *types* (default: every type with
    a synthetic generator; "mixed" capture: clean/scan/photo; *fonts*: font files instead of
    the layout set's)."""
    chosen = synthetic_types() if types is None else types
    return [
        Spec(t, i, seed, layouts, capture, tuple(fonts)) for t in chosen for i in range(per_class)
    ]


def _fallback_ocr(image) -> str:
    """pytesseract chi_sim with a small on-disk text cache keyed by image hash."""
    import pytesseract

    digest = hashlib.sha256(image.tobytes() + repr(image.size).encode()).hexdigest()
    cache = Path(os.environ.get("ML_CACHE_DIR") or Path.home() / ".cache" / "onewindow-ml") / "text"
    entry = cache / f"{digest}.txt"
    if entry.is_file():
        return entry.read_text(encoding="utf-8")
    text = pytesseract.image_to_string(image, lang="chi_sim")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        entry.write_text(text, encoding="utf-8")
    except OSError:
        pass
    return text


def ocr_text(image) -> tuple[str, float]:
    """OCR text of a PIL image with ml.ocr.run_ocr (fallback: pytesseract); returns
    (text, seconds)."""
    try:
        from ml.ocr import UnreadableDocument, run_ocr
    except ImportError:
        import time

        started = time.perf_counter()
        return _fallback_ocr(image), time.perf_counter() - started
    try:
        result = run_ocr(image)
    except UnreadableDocument:
        return "", 0.0
    return result.text, (0.0 if getattr(result, "cached", False) else result.seconds)


def render_spec(spec: Spec):
    """Render *spec* deterministically; returns (image, fields, capture used)."""
    rng = random.Random(f"{spec.seed}:{spec.layouts}:{spec.doc_type}:{spec.index}")
    capture = pick_capture(rng, spec.capture)
    fonts = list(spec.fonts) or None
    image, fields = render(spec.doc_type, rng, capture=capture, layouts=spec.layouts, fonts=fonts)
    return image, fields, capture


def build_sample(spec: Spec) -> Sample:
    """Render *spec* deterministically, compute layout features and OCR it."""
    from ml.classify import image_features

    image, fields, capture = render_spec(spec)
    text, seconds = ocr_text(image)
    return Sample(
        spec.doc_type,
        text,
        image_features(image),
        fields,
        capture,
        spec.layouts,
        f"{spec.layouts}:{spec.doc_type}:{spec.index}",
        round(seconds, 3),
    )


def _init_worker() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"


def ocr_samples(specs: list[Spec], *, workers: int = 2, progress=None) -> list[Sample]:
    """Build every sample, in order, with *workers* processes; *progress(done, total)* is
    optional."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    samples: list[Sample] = []
    if workers <= 1:
        for spec in specs:
            samples.append(build_sample(spec))
            if progress:
                progress(len(samples), len(specs))
        return samples
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as pool:
        for sample in pool.map(build_sample, specs, chunksize=4):
            samples.append(sample)
            if progress:
                progress(len(samples), len(specs))
    return samples


def save_samples(samples: list[Sample], path: Path) -> None:
    """Write samples as JSON lines (for inspection and fast re-fits)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for sample in samples:
            out.write(json.dumps(asdict(sample), ensure_ascii=False) + "\n")


def load_samples(path: Path) -> list[Sample]:
    """Read samples written by :func:`save_samples`."""
    with path.open(encoding="utf-8") as src:
        return [Sample(**json.loads(line)) for line in src if line.strip()]
