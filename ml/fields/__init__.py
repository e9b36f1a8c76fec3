"""Field extraction: one extractor per document type, named by the type's declaration.

``extract_fields(doc_type, ocr)`` returns ``{key: {"value", "text", "page", "box"}}``
with keys from the type's fields (:func:`ml.doctypes.fields_of`); missing fields are
simply absent. Values are normalised (ISO dates, "3500.00" amounts, repaired ID
numbers). Which function extracts which type is said by the type's module in
:mod:`ml.doctypes` (its ``extractor``), not here.
"""

from __future__ import annotations

from ml.doctypes import extractor_for, fields_of
from ml.ocr.types import OcrResult

from .base import Document, FieldRecord

__all__ = ["extract_fields", "Document", "FieldRecord"]


def extract_fields(doc_type: str, ocr: OcrResult | str) -> dict[str, FieldRecord]:
    """Extract the fields of *doc_type* from an OCR result (or plain text).

    Unknown types and types without an extractor ("other") give ``{}``; only the keys
    the type declares are returned.
    """
    extractor = extractor_for(doc_type)
    if extractor is None:
        return {}
    found = extractor(ocr if isinstance(ocr, Document) else Document(ocr))
    allowed = fields_of(doc_type)
    return {key: found[key] for key in allowed if key in found}
