"""Field extraction: one extractor per document type, registered by type code.

``extract_fields(doc_type, ocr)`` returns ``{key: {"value", "text", "page", "box"}}``
with keys from :data:`ml.doctypes.FIELDS`; missing fields are simply absent. Values
are normalised (ISO dates, "3500.00" amounts, repaired ID numbers).
"""

from __future__ import annotations

from ml.doctypes import FIELDS
from ml.ocr.types import OcrResult

from . import business, identity  # noqa: F401  (registers the extractors)
from .base import EXTRACTORS, Document, FieldRecord, register

__all__ = ["extract_fields", "register", "EXTRACTORS", "Document", "FieldRecord"]


def extract_fields(doc_type: str, ocr: OcrResult | str) -> dict[str, FieldRecord]:
    """Extract the fields of *doc_type* from an OCR result (or plain text).

    Unknown types and "other" give ``{}``; only the keys listed in FIELDS are returned.
    """
    extractor = EXTRACTORS.get(doc_type)
    if extractor is None:
        return {}
    found = extractor(ocr if isinstance(ocr, Document) else Document(ocr))
    allowed = FIELDS.get(doc_type, ())
    return {key: found[key] for key in allowed if key in found}
