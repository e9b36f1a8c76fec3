"""Document types: every type the system knows, declared one module per type.

Each module of this package (``id_card_front.py`` ... ``other.py``) declares one
:class:`DocType` (code, fields with their validators, review checks, extractor,
synthetic generator, OCR language, labels); :data:`TYPE_MODULES` registers them, in the
order of :data:`DOC_TYPES`.  Adding a type means writing its module and adding its name
to :data:`TYPE_MODULES` (plus the translations of its labels in the app's .po files).

The names the rest of ``ml`` reads are views of the registry, so a type registered
later is in them too: :data:`DOC_TYPES` (codes), :data:`FIELDS` (code -> field keys)
and :data:`OCR_LANG` (code -> tesseract language).  Dates are ISO ``YYYY-MM-DD`` and
amounts are strings such as ``"3500.00"``.  :func:`ml.doctype_check.check_registry` proves at
start-up that every table covers every type.
"""

from __future__ import annotations

import importlib

from ml.doctypes.registry import (
    N_,
    Anchors,
    DocType,
    Field,
    SyntheticLayout,
    TypeCheck,
    _LiveCodes,
    _LiveMapping,
    all_types,
    codes,
    extractor_for,
    field_labels,
    fields_of,
    find,
    get,
    is_known,
    register,
    resolve,
    unregister,
)

__all__ = [
    "DOC_TYPES",
    "FIELDS",
    "OCR_LANG",
    "OTHER",
    "TYPE_MODULES",
    "DocType",
    "Field",
    "N_",
    "Anchors",
    "SyntheticLayout",
    "TypeCheck",
    "all_types",
    "codes",
    "extractor_for",
    "field_labels",
    "fields_of",
    "find",
    "get",
    "is_known",
    "register",
    "resolve",
    "unregister",
]

# The registration: one line per type, in the order of DOC_TYPES (synthetic data sets
# and training reports follow it; the classifier's own class order is in its artifact).
TYPE_MODULES = (
    "id_card_front",
    "id_card_back",
    "business_license",
    "household_register",
    "lease_contract",
    "employment_certificate",
    "degree_certificate",
    "invoice",
    "passport",
    "other",
)
for _module_name in TYPE_MODULES:
    register(importlib.import_module(f"{__name__}.{_module_name}").DOC_TYPE)

OTHER = "other"  # what the classifier answers when no known type fits
DOC_TYPES = _LiveCodes()
FIELDS = _LiveMapping("FIELDS", lambda doc_type: doc_type.field_keys)
OCR_LANG = _LiveMapping("OCR_LANG", lambda doc_type: doc_type.ocr_lang)
