"""The registry of document types: what a type is (:class:`DocType`) and how it is found.

A document type is declared once, in its own module of :mod:`ml.doctypes`, as a
:class:`DocType` naming everything the rest of the system needs about it: its fields
(with their validators and screen labels), the review checks that apply to it, its
field extractor, its synthetic layout generator, its OCR language and its labels.
The package registers each declaration with :func:`register`; every other table
(``DOC_TYPES``, ``FIELDS``, the review's checks, the app's screen labels ...) is read
from here through the lookups below, so a registered type is known everywhere.

Extractors, generators and type-level review checks are named by a reference
``"package.module:function"`` and imported only when used (:func:`resolve`): this keeps
``import ml.doctypes`` cheap for the web app, which only needs the labels, and avoids
import cycles with :mod:`ml.fields` and :mod:`ml.synthetic`, which read the registry.

Screen labels are English msgids marked with :func:`N_` (a no-op that Babel's extractor
recognises); the app translates them with ``lazy_gettext`` when it shows them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

APPLICANT_MATCH_KINDS = ("name", "number")
PRESENT_CHECK = "present"  # the review's check that a required field was found
# the review's check that a name with nothing to compare it with was read clearly
NAME_READING_CHECK = "name_reading"


def N_(message: str) -> str:  # noqa: N802 - the conventional name Babel extracts by default
    """Mark *message* as an English msgid for Babel without translating it here."""
    return message


@dataclass(frozen=True)
class Field:
    """One field extracted from a document: its key, screen label and how it is checked.

    *validator* names a function of :data:`ml.validators.VALIDATORS` run on every value
    found; *failure_reason* is the review's reason code when it fails.  An *optional*
    field may be absent without the review asking for it (receipts have no 发票代码).
    """

    key: str
    label: str  # English msgid, translated on screens
    validator: str | None = None
    failure_reason: str = "low_confidence"
    optional: bool = False


@dataclass(frozen=True)
class SyntheticLayout:
    """The synthetic generator of a type: ``generator(rng, fonts, variant)`` returns
    (image, ground-truth fields); the last of its *variants* is held out of training."""

    generator: str  # reference "module:function"
    variants: int


@dataclass(frozen=True)
class TypeCheck:
    """A review check that only makes sense for one document type (e.g. the birth date
    printed on an ID card against the one encoded in its number).

    *function* is a reference to ``check(doc_type, fields, today, report, ocr)`` in the
    review; *labels* gives the screen label of every check name it reports.
    """

    function: str  # reference "module:function"
    labels: Mapping[str, str]


@dataclass(frozen=True)
class Anchors:
    """What the text of a document of a type cannot lack, and what proves the type.

    *required* is a regular expression: a text with no match is never typed as this type,
    however sure the model is (English forms are no passports for being in Latin script).
    *evidence* are regular expressions that, all found, make this type the answer when the
    model answers "other" or lacks its own anchors (an English receipt with a total label,
    amounts and a date is a receipt even though no training layout looked like it).
    Matching ignores case.
    """

    required: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocType:
    """Everything the system knows about one document type.

    ``extractor`` and ``synthetic`` have no default: a type module says explicitly when
    it has none (None), so a forgotten one is not mistaken for a deliberate absence.
    """

    code: str
    label: str  # English msgid for screens ("ID card (photo side)")
    name_zh: str  # the document's official Chinese name, used in ml's reason texts
    short: str  # at most 12 characters, for the columns of ml.evaluate's reports
    fields: tuple[Field, ...]
    extractor: str | None  # reference "module:function" taking an ml.fields.Document
    synthetic: SyntheticLayout | None
    ocr_lang: str = "chi_sim"
    # field key -> "name" or "number": compared with what the applicant typed, in order
    applicant_matches: Mapping[str, str] = field(default_factory=dict)
    # a document listing several people (household register): the applicant's name may
    # be any of them, so a name found anywhere in the text matches
    applicant_may_be_any_person: bool = False
    checks: tuple[TypeCheck, ...] = ()
    # fields that only the type's checks report on (not extracted), for their labels
    checked_fields: tuple[Field, ...] = ()
    # what the classifier requires of a text before it answers this type (see Anchors)
    anchors: Anchors = field(default_factory=Anchors)

    @property
    def field_keys(self) -> tuple[str, ...]:
        """Keys of the extracted fields, in declaration order."""
        return tuple(f.key for f in self.fields)

    @property
    def optional_keys(self) -> frozenset[str]:
        """Keys of the fields a document of this type may lack."""
        return frozenset(f.key for f in self.fields if f.optional)

    def field_spec(self, key: str) -> Field | None:
        """The declared field *key* (extracted or checked), or None."""
        for spec in (*self.fields, *self.checked_fields):
            if spec.key == key:
                return spec
        return None


_REGISTRY: dict[str, DocType] = {}


def register(doc_type: DocType) -> DocType:
    """Add *doc_type* to the registry (registration order is the order of DOC_TYPES)."""
    if doc_type.code in _REGISTRY:
        raise ValueError(f"document type {doc_type.code!r} is already registered")
    _REGISTRY[doc_type.code] = doc_type
    return doc_type


def unregister(code: str) -> None:
    """Remove a registered type (for tests that register a temporary one)."""
    _REGISTRY.pop(code, None)


def is_known(code: object) -> bool:
    """True when *code* is the code of a registered document type."""
    return isinstance(code, str) and code in _REGISTRY


def get(code: str) -> DocType:
    """The registered type *code*; unknown codes raise ``KeyError``."""
    return _REGISTRY[code]


def find(code: object) -> DocType | None:
    """The registered type *code*, or None for unknown codes (and non-strings)."""
    return _REGISTRY.get(code) if isinstance(code, str) else None


def all_types() -> tuple[DocType, ...]:
    """Every registered type, in registration order."""
    return tuple(_REGISTRY.values())


def codes() -> tuple[str, ...]:
    """Codes of every registered type, in registration order."""
    return tuple(_REGISTRY)


def fields_of(code: str) -> tuple[str, ...]:
    """Keys of the fields extracted for *code* (empty for unknown codes)."""
    doc_type = find(code)
    return doc_type.field_keys if doc_type else ()


def resolve(reference: str) -> Callable:
    """The function named by *reference* ``"package.module:function"`` (imported now)."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"reference {reference!r} is not 'package.module:function'")
    return getattr(importlib.import_module(module_name), attribute)


def extractor_for(code: str) -> Callable | None:
    """The field extractor of *code*, or None (unknown type or a type without fields)."""
    doc_type = find(code)
    if doc_type is None or doc_type.extractor is None:
        return None
    return resolve(doc_type.extractor)


def field_labels() -> dict[str, str]:
    """Field key -> English label over every registered type (extracted and checked)."""
    labels: dict[str, str] = {}
    for doc_type in _REGISTRY.values():
        for spec in (*doc_type.fields, *doc_type.checked_fields):
            labels.setdefault(spec.key, spec.label)
    return labels


def doc_type_labels() -> dict[str, str]:
    """Code -> English label of every registered type, in registration order."""
    return {code: doc_type.label for code, doc_type in _REGISTRY.items()}


def applicant_check(field_key: str) -> str:
    """Name of the review's check comparing field *field_key* with the application."""
    return f"applicant_{field_key}"


def check_labels() -> dict[str, str]:
    """Check name -> English label of every check the review reports on the registered
    types: field presence, each validator, the comparisons with the application and
    the types' own checks."""
    from ml.validators import VALIDATOR_LABELS

    labels = {
        PRESENT_CHECK: N_("found"),
        NAME_READING_CHECK: N_("read clearly"),
        **VALIDATOR_LABELS,
    }
    for doc_type in _REGISTRY.values():
        for key in doc_type.applicant_matches:
            labels.setdefault(applicant_check(key), N_("matches the applicant"))
        for check in doc_type.checks:
            for name, label in check.labels.items():
                labels.setdefault(name, label)
    return labels


class _LiveCodes(Sequence):
    """The registered codes as a read-only sequence that follows later registrations."""

    def __getitem__(self, index):
        return codes()[index]

    def __len__(self) -> int:
        return len(_REGISTRY)

    def __iter__(self) -> Iterator[str]:
        return iter(codes())

    def __contains__(self, code: object) -> bool:
        return is_known(code)

    def __repr__(self) -> str:
        return f"DOC_TYPES{codes()!r}"


class _LiveMapping(Mapping):
    """A read-only mapping code -> ``value(doc_type)`` over the registry, kept current."""

    def __init__(self, name: str, value: Callable[[DocType], object]) -> None:
        self._name = name
        self._value = value

    def __getitem__(self, code: str):
        return self._value(_REGISTRY[code])

    def __iter__(self) -> Iterator[str]:
        return iter(codes())

    def __len__(self) -> int:
        return len(_REGISTRY)

    def __repr__(self) -> str:
        return f"{self._name}({dict(self)!r})"
