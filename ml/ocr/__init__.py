"""OCR for uploaded materials: safe loading, preprocessing, engines, caching, pools.

Public API::

    run_ocr(source, *, lang="chi_sim", engine="tesseract", ...) -> OcrResult
    ocr_many(sources, *, workers=2, ...) -> list[OcrResult | UnreadableDocument]
    OcrResult, OcrPage, Word, UnreadableDocument, EngineUnavailable
    register_engine(name), get_engine(name), available_engines()

Engines: "tesseract" (default), "rapidocr" (second reader, see :mod:`ml.ocr.second`;
unavailable where its package is not installed), and "auto" (tesseract, then RapidOCR for
pages that still read poorly, e.g. phone photos).
Environment: ML_CACHE_DIR (cache directory or "off"), ML_MAX_FILE_BYTES,
ML_MAX_PIXELS, ML_MAX_PDF_PAGES, ML_OCR_TIMEOUT (seconds per engine call).
"""

from .engines import AUTO_ENGINE, available_engines, get_engine, register_engine
from .pool import ocr_many
from .types import EngineUnavailable, OcrPage, OcrResult, UnreadableDocument, Word

__all__ = [
    "run_ocr",
    "ocr_many",
    "ocr_page_image",
    "OcrResult",
    "OcrPage",
    "Word",
    "UnreadableDocument",
    "EngineUnavailable",
    "register_engine",
    "get_engine",
    "available_engines",
    "AUTO_ENGINE",
]


def __getattr__(name: str):
    """The pipeline (NumPy and SciPy, about 45 MB) is imported when first asked for: a web
    process imports this package for `loading`'s limits and never reads a page itself."""
    if name in ("run_ocr", "ocr_page_image"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
