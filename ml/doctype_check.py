"""Start-up check that the document type registry is complete and consistent.

:func:`check_registry` raises :class:`RegistryIncomplete` listing every problem: a
field without a label or with two different labels, a validator or reason code that
does not exist, a type with fields but no extractor, a reference that does not import,
a synthetic layout without a held-out variant, a check name without a label, or a class
of the committed classifier that no registered type declares.  The app calls it when
it starts and the unit tests call it, so a half-declared type fails early and loudly.

It imports the extractors, the synthetic generators, the review and (unless told the
classes) the committed classifier, so it costs about as much as one review's imports.
"""

from __future__ import annotations

from collections.abc import Iterable

from ml.doctypes import registry

MAX_SHORT_NAME = 12


class RegistryIncomplete(RuntimeError):
    """The registry misses something a registered type needs; ``problems`` lists it all."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("document type registry incomplete:\n  " + "\n  ".join(problems))
        self.problems = problems


def _reference_problem(owner: str, reference: str) -> str | None:
    try:
        target = registry.resolve(reference)
    except (ImportError, AttributeError, ValueError) as exc:
        return f"{owner}: {reference!r} cannot be imported ({exc})"
    if not callable(target):
        return f"{owner}: {reference!r} is not callable"
    return None


def _committed_classes() -> list[str] | None:
    from ml.classify import default_classifier

    classifier = default_classifier()
    return None if classifier is None else list(classifier.classes)


def registry_problems(classifier_classes: Iterable[str] | None = None) -> list[str]:
    """Every gap of the registry, as sentences (empty when complete).

    *classifier_classes* are checked against the registered codes; by default they are
    the committed classifier's (skipped when no model is installed).
    """
    from ml.review import REASON_CODES
    from ml.validators import VALIDATOR_LABELS, VALIDATORS

    problems: list[str] = []
    types = registry.all_types()
    if not registry.is_known("other"):
        problems.append("the type 'other' (the classifier's abstention) is not registered")
    labels_by_field: dict[str, str] = {}
    shorts: dict[str, str] = {}
    for doc_type in types:
        code = doc_type.code
        if not doc_type.label or not doc_type.name_zh:
            problems.append(f"{code}: a screen label and a Chinese name are both required")
        if not doc_type.short or len(doc_type.short) > MAX_SHORT_NAME:
            problems.append(f"{code}: short name {doc_type.short!r} must be 1-12 characters")
        elif doc_type.short in shorts:
            problems.append(
                f"{code}: short name {doc_type.short!r} also used by {shorts[doc_type.short]}"
            )
        shorts.setdefault(doc_type.short, code)
        keys = [spec.key for spec in doc_type.fields]
        if len(set(keys)) != len(keys):
            problems.append(f"{code}: a field is declared twice in {keys}")
        for spec in (*doc_type.fields, *doc_type.checked_fields):
            if not spec.label:
                problems.append(f"{code}: field {spec.key!r} has no label")
            elif labels_by_field.setdefault(spec.key, spec.label) != spec.label:
                problems.append(
                    f"{code}: field {spec.key!r} is labelled {spec.label!r} here but "
                    f"{labels_by_field[spec.key]!r} elsewhere"
                )
            if spec.validator is not None and spec.validator not in VALIDATORS:
                problems.append(
                    f"{code}: field {spec.key!r} names unknown validator {spec.validator!r}"
                )
            if spec.failure_reason not in REASON_CODES:
                problems.append(
                    f"{code}: field {spec.key!r} fails with unknown reason {spec.failure_reason!r}"
                )
        for key, kind in doc_type.applicant_matches.items():
            if key not in keys:
                problems.append(f"{code}: applicant comparison on {key!r}, which is not a field")
            if kind not in registry.APPLICANT_MATCH_KINDS:
                problems.append(f"{code}: applicant comparison kind {kind!r} is unknown")
        if doc_type.fields and doc_type.extractor is None:
            problems.append(f"{code}: has fields but no extractor")
        if doc_type.extractor is not None:
            problem = _reference_problem(f"{code} extractor", doc_type.extractor)
            if problem:
                problems.append(problem)
        if doc_type.synthetic is not None:
            problem = _reference_problem(
                f"{code} synthetic generator", doc_type.synthetic.generator
            )
            if problem:
                problems.append(problem)
            if doc_type.synthetic.variants < 2:
                problems.append(
                    f"{code}: a synthetic layout needs 2+ variants (the last one is held out)"
                )
        for check in doc_type.checks:
            problem = _reference_problem(f"{code} check", check.function)
            if problem:
                problems.append(problem)
            problems += [
                f"{code}: check {name!r} has no label"
                for name, label in check.labels.items()
                if not label
            ]
    problems += [
        f"validator {name!r} has no label" for name in VALIDATORS if not VALIDATOR_LABELS.get(name)
    ]
    classes = _committed_classes() if classifier_classes is None else list(classifier_classes)
    if classes is not None:
        unknown = sorted(set(classes) - set(registry.codes()))
        if unknown:
            problems.append(f"the classifier predicts unregistered types {unknown}")
    return problems


def check_registry(classifier_classes: Iterable[str] | None = None) -> None:
    """Raise :class:`RegistryIncomplete` unless every table covers every registered type
    (see :func:`registry_problems`); call it once at start-up."""
    problems = registry_problems(classifier_classes)
    if problems:
        raise RegistryIncomplete(problems)
