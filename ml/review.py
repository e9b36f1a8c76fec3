"""Auto-review of one uploaded document: OCR -> type -> fields -> checks -> verdict.

:func:`review_document` is what the background job calls. It never returns "pass" when
the document is of the wrong type, unreadable, has a bad check digit, is expired, or
names a different person/number than the applicant; each problem becomes a reason with
a fixed code and evidence (text, page, box) that the clerk's screen can highlight.

Which fields a type needs, which validator checks each one, which are compared with the
application and which extra checks a type has (:func:`check_id_card_consistency`,
:func:`check_passport_expiry`) are declared by the type in :mod:`ml.doctypes`.

A person's name that Tesseract did not read as the applicant typed it (or any, with no
applicant's name) gets a second opinion (:mod:`ml.ocr.second`): its line box is read again
by a second engine and the better reading is what the review reports
(:func:`ml.names.choose_reading`; Tesseract's is kept as ``first_reading``); a name
Tesseract did not find is looked for in the second engine's reading of the page. The name
passes only when the two readings back each other up (:func:`ml.names.second_opinion_agrees`);
otherwise the finding shows both readings. With no applicant's name to compare, a name read
with low confidence, starting with no surname, found by the second reader alone or read
differently by the two is ``low_confidence``.

When a required field is missing or a check-digit field fails its check, the page image
gets a second look (:mod:`ml.fields.recover`): the value's line is re-read on its own,
and a re-read number is used only if it validates, so a wrong check digit printed on
the document still ends as ``checksum_invalid``.

:func:`review_upload` is what the application runs for one uploaded file, in a bounded
worker process (:mod:`ml.bounded`): the page limit, the first-page preview, then the review.
A file that is too costly to draw or has too many pages ends as ``attention`` with the
reason ``too_complex`` or ``too_many_pages`` (see :func:`refusal`), never as a hang.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any

from ml.doctypes import OTHER, extractor_for, find, is_known, resolve
from ml.doctypes.registry import NAME_READING_CHECK, PRESENT_CHECK, applicant_check
from ml.fields import Document, extract_fields
from ml.fields.identity import passport_expiry
from ml.fields.recover import LOW_CONF, needs_recovery, recover_fields, word_confidence
from ml.names import (
    choose_reading,
    clean_reading,
    plausible_chinese_name,
    same_despite_confusions,
    second_opinion_agrees,
)
from ml.normalize import normalize_credit_code, normalize_id_number, normalize_name, normalize_text
from ml.ocr import UnreadableDocument, run_ocr
from ml.ocr.reread import page_images
from ml.ocr.second import SecondReading, read_line_again, read_page_again, second_engine
from ml.ocr.types import OcrPage, OcrResult
from ml.validators import birth_date_from_id, sex_from_id, validate

REASON_CODES = (
    "wrong_type",
    "unreadable",
    "low_confidence",
    "checksum_invalid",
    "name_mismatch",
    "id_mismatch",
    "expired",
    "field_missing",
    "too_complex",
    "too_many_pages",
)
# UnreadableDocument reasons that are limits, reported under their own code, not "unreadable".
LIMIT_REASONS = ("too_complex", "too_many_pages")
MIN_TEXT_CHARS = 6
PERSON_NAME_KEYS = ("name", "legal_rep")  # name fields that always hold a person's name
_NO_EVIDENCE = {"text": "", "page": None, "box": None}
_SENTINEL = object()


def _load_classifier():
    """The committed classifier (cached per process) or None when it is unavailable."""
    try:
        from ml.classify import default_classifier
    except ImportError:
        return None
    try:
        return default_classifier()
    except Exception:  # noqa: BLE001 - a broken model means "no prediction", never a crash
        return None


def _preview_image(path: Any):
    """First page as a PIL image for the classifier's layout features (None on failure)."""
    try:
        from ml.ocr.loading import load_document

        document = load_document(path, max_pages=1)
        page = document.pages[0]
        return page.image
    except Exception:  # noqa: BLE001 - features are optional
        return None


def _name_zh(code: str) -> str:
    """The official Chinese name of type *code* for reason texts (the code if unknown)."""
    doc_type = find(code)
    return doc_type.name_zh if doc_type else code


def _optional_keys(code: str) -> frozenset[str]:
    doc_type = find(code)
    return doc_type.optional_keys if doc_type else frozenset()


def _evidence(record: dict | None) -> dict:
    if not record:
        return dict(_NO_EVIDENCE)
    return {"text": record.get("text", ""), "page": record.get("page"), "box": record.get("box")}


class _Report:
    """Accumulates checks and reasons for one document."""

    def __init__(self) -> None:
        self.checks: list[dict] = []
        self.reasons: list[dict] = []

    def check(self, name: str, field: str | None, ok: bool, detail: str) -> None:
        self.checks.append({"name": name, "field": field, "ok": bool(ok), "detail": detail})

    def reason(self, code: str, field: str | None, message: str, evidence: dict | None = None):
        assert code in REASON_CODES, code
        self.reasons.append(
            {
                "code": code,
                "field": field,
                "message": message,
                "evidence": evidence or dict(_NO_EVIDENCE),
            }
        )


def _classify(
    text: str, path: Any, expected: str | None, classifier, report: _Report, ocr: Any = None
):
    """Decide the document type; returns (doc_type, confidence, type used for fields, basis):
    basis "anchors" when the type's own evidence in the text decided it (its confidence is
    then the model's probability for that type, which can be low on paper unlike any
    training layout), else "model"."""
    if classifier is None:
        report.reason(
            "low_confidence", None, "no classifier model is available; the type was not verified"
        )
        doc_type = expected or OTHER
        return doc_type, 0.0, doc_type, "model"
    features = None
    image = ocr.preview_image() if ocr is not None else None
    if image is None:
        image = _preview_image(path)
    if image is not None:
        try:
            from ml.classify import image_features

            features = image_features(image)
        except Exception:  # noqa: BLE001
            features = None
    prediction = classifier.predict(text, features)
    doc_type, confidence = prediction.doc_type, round(float(prediction.confidence), 4)
    basis = getattr(prediction, "basis", "model")  # a stand-in classifier may not say
    snippet = {"text": text[:80], "page": 0, "box": None}
    if expected and expected != doc_type:
        if doc_type == OTHER:
            report.reason(
                "low_confidence",
                None,
                f"could not confirm that this is a {_name_zh(expected)}",
                snippet,
            )
            return doc_type, confidence, expected, basis
        report.reason(
            "wrong_type",
            None,
            f"expected {_name_zh(expected)}, the document looks like {_name_zh(doc_type)}",
            snippet,
        )
        return doc_type, confidence, doc_type, basis
    if doc_type == OTHER:
        report.reason("low_confidence", None, "the document type was not recognised", snippet)
    return doc_type, confidence, doc_type, basis


def _check_fields(
    doc_type: str, fields: dict, today: _dt.date, report: _Report, ocr: Any = None
) -> None:
    """Required fields present; each found field passes its validator; the type's checks."""
    spec = find(doc_type)
    if spec is None:
        return
    for field in spec.fields:
        if field.key not in fields and not field.optional:
            report.check(PRESENT_CHECK, field.key, False, "not found in the document")
            report.reason("field_missing", field.key, f"{field.key} was not found in the document")
    for key, record in fields.items():
        field = spec.field_spec(key)
        if field is None or field.validator is None:
            continue
        result = validate(field.validator, record["value"], today=today)
        if result.ok and record.get("unconfirmed"):  # a repair, not a reading, made it valid
            result = type(result)(result.name, False, str(record["unconfirmed"]))
        report.check(field.validator, key, result.ok, result.detail)
        if not result.ok:
            report.reason(field.failure_reason, key, f"{key}: {result.detail}", _evidence(record))
    for check in spec.checks:
        resolve(check.function)(doc_type, fields, today, report, ocr)


def check_passport_expiry(
    doc_type: str, fields: dict, today: _dt.date, report: _Report, ocr: Any = None
) -> None:
    """A passport's expiry date (read from the page, not extracted) must be readable and
    not past: an expiry nobody could read must not pass as "not expired"."""
    if ocr is None:
        return
    expiry = passport_expiry(Document(ocr))
    if expiry:
        result = validate("not_expired", expiry["value"], today=today)
        report.check("not_expired", "passport_expiry", result.ok, result.detail)
        if not result.ok:
            report.reason(
                "expired", "passport_expiry", f"passport {result.detail}", _evidence(expiry)
            )
    else:
        report.check(PRESENT_CHECK, "passport_expiry", False, "expiry date not readable")
        report.reason(
            "field_missing", "passport_expiry", "the passport's expiry date could not be read"
        )


def check_id_card_consistency(
    doc_type: str, fields: dict, today: _dt.date, report: _Report, ocr: Any = None
) -> None:
    """The birth date and sex printed on an ID card agree with those its (valid) number
    encodes."""
    id_rec = fields.get("id_number")
    if not (id_rec and validate("resident_id", id_rec["value"]).ok):
        return
    born = birth_date_from_id(id_rec["value"]).isoformat()
    if "birth_date" in fields:
        ok = fields["birth_date"]["value"] == born
        report.check("id_birth_date", "birth_date", ok, f"ID number says {born}")
        if not ok:
            report.reason(
                "id_mismatch",
                "birth_date",
                f"the printed birth date differs from the one in the ID number ({born})",
                _evidence(fields["birth_date"]),
            )
    if "sex" in fields:
        expected_sex = sex_from_id(id_rec["value"])
        ok = fields["sex"]["value"] == expected_sex
        report.check("id_sex", "sex", ok, f"ID number says {expected_sex}")
        if not ok:
            report.reason(
                "id_mismatch",
                "sex",
                f"the printed sex differs from the ID number ({expected_sex})",
                _evidence(fields["sex"]),
            )


def _canonical(kind: str, key: str, value: str) -> str:
    if kind == "name":
        return normalize_name(value)
    if key == "id_number":
        return normalize_id_number(value) or normalize_text(value).replace(" ", "")
    if key == "credit_code":
        return normalize_credit_code(value) or normalize_text(value).replace(" ", "")
    return normalize_text(value).replace(" ", "")


def _compare_applicant(
    doc_type: str,
    fields: dict,
    applicant: dict,
    text: str,
    report: _Report,
    second_look: Any = None,
) -> None:
    """Compare what the applicant typed with what the document says: each field the
    type compares (the applicant's key is the field's key), in the type's order.

    A person's name that Tesseract did not read as typed gets a second opinion when
    *second_look* (record -> :class:`SecondReading` or None) gives one: it passes only when
    the two readings back each other up (:func:`~ml.names.second_opinion_agrees`); otherwise
    the finding shows both readings (evidence text "first / second")."""
    spec = find(doc_type)
    if spec is None:
        return
    flat_text = normalize_name(text)
    for field_key, kind in spec.applicant_matches.items():
        typed = applicant.get(field_key)
        if not typed or field_key not in fields:
            continue
        record = fields[field_key]
        first = str(_first_reading(record))
        want = _canonical(kind, field_key, str(typed))
        got = _canonical(kind, field_key, first)
        ok = want == got
        if not ok and spec.applicant_may_be_any_person:
            ok = bool(want) and want in flat_text
        second = None
        if not ok and kind == "name" and field_key in PERSON_NAME_KEYS and second_look:
            second = second_look(record)
            if second is not None:
                ok = second_opinion_agrees(first, second.text, str(typed))
        code = "name_mismatch" if kind == "name" else "id_mismatch"
        read = f"document says {first!r}"
        if second is not None:
            read += f" ({second.engine} read {second.text!r})"
        report.check(
            applicant_check(field_key),
            field_key,
            ok,
            ("matches the application" + (f" ({read})" if second is not None else ""))
            if ok
            else f"{read}, application says {typed!r}",
        )
        if not ok:
            report.reason(
                code,
                field_key,
                f"{field_key} on the document ({first}"
                + (f"; {second.engine} read {second.text}" if second is not None else "")
                + f") differs from the application ({typed})",
                _both_readings(record, second),
            )


def _both_readings(record: dict, second: SecondReading | None) -> dict:
    """A finding's evidence: where the value was read and, with a second reading, both
    readings as its text ("first / second"), which the clerk's screen shows."""
    evidence = _evidence(record)
    if second is not None:
        first = record.get("text") if "first_reading" not in record else record["first_reading"]
        evidence["text"] = f"{first or record.get('value', '')} / {second.text}"
    return evidence


def _second_look(path: Any, ocr: Any):
    """A function giving the second reader's reading of a field record's line box (None
    without a second engine, a page image or a box). The page images are loaded at the
    first call only, so a review that needs no second opinion costs nothing more."""
    images: list | None = None

    def look(record: dict) -> SecondReading | None:
        nonlocal images
        kept = record.get("second_reading")
        if kept:  # read once per review: settling the name and comparing share it
            return SecondReading(kept["text"], kept["conf"], kept["engine"])
        if not record.get("box") or second_engine() is None:
            return None
        if images is None:
            images = page_images(path, ocr)
        page = record.get("page") or 0
        image = images[page] if page < len(images) else None
        reading = read_line_again(image, record["box"])
        if reading is not None:  # kept with the field, so that privacy masks it as well
            record["second_reading"] = {
                "text": reading.text,
                "conf": round(reading.conf, 1),
                "engine": reading.engine,
            }
        return reading

    def page(number: int) -> list:
        """The second engine's reading of page *number* as a whole (words)."""
        nonlocal images
        if second_engine() is None:
            return []
        if images is None:
            images = page_images(path, ocr)
        return read_page_again(images[number] if number < len(images) else None)

    look.page = page  # type: ignore[attr-defined]
    return look


def _first_reading(record: dict) -> str:
    """What Tesseract read for a field (the value, unless the second reader's reading
    was chosen: then the first one is kept as ``first_reading``)."""
    return record.get("first_reading", record["value"])


def _settle_names(
    doc_type: str, fields: dict, applicant: dict | None, ocr: Any, second_look: Any
) -> None:
    """Choose the reading the review reports for each person's name (issue 17).

    A name Tesseract read as the applicant typed it stays as it is. Any other gets a
    second reading of its line and the better of the two is kept as its value
    (:func:`~ml.names.choose_reading`; Tesseract's stays as ``first_reading``). A name
    Tesseract did not find at all is looked for in the second engine's reading of the
    page (shrunk; about a second) and, if the type's extractor finds it there, reported
    with an empty ``first_reading``. This only decides what is *reported*: whether the
    name passes is still decided on both readings (:func:`_compare_applicant`,
    :func:`_check_unverified_names`)."""
    spec = find(doc_type)
    if spec is None or second_look is None:
        return
    for key, kind in spec.applicant_matches.items():
        if kind != "name" or key not in PERSON_NAME_KEYS:
            continue
        typed = (applicant or {}).get(key)
        record = fields.get(key)
        if record is None:
            found = _name_from_second_page(doc_type, key, ocr, second_look)
            if found is not None:
                fields[key] = found
            continue
        if typed and normalize_name(str(typed)) == normalize_name(str(record["value"])):
            continue
        second = second_look(record)
        if second is None:
            continue
        conf = word_confidence(ocr, record) if getattr(ocr, "pages", None) else None
        chosen = choose_reading(str(record["value"]), conf, second.text, second.conf)
        if chosen != record["value"]:
            record["first_reading"] = record["value"]
            record["value"] = chosen


def _name_from_second_page(doc_type: str, key: str, ocr: Any, second_look: Any) -> dict | None:
    """Field *key* as the type's extractor finds it in the second engine's reading of the
    first page, as a record with ``first_reading`` "" and that reading; None if absent."""
    extractor = extractor_for(doc_type)
    pages = getattr(ocr, "pages", None)
    if extractor is None or not pages or pages[0].source != "ocr":
        return None
    words = second_look.page(0)
    if not words:
        return None
    page = OcrPage(pages[0].width, pages[0].height, words, pages[0].rotation)
    found = extractor(Document(OcrResult("", [page], 0.0, "second", "chi_sim"))).get(key)
    if not found or not clean_reading(found["value"]):
        return None
    conf = min(
        (w.conf for w in words if found.get("box") and _inside(w.box, found["box"])),
        default=0.0,
    )
    engine = second_engine()
    return dict(
        found,
        first_reading="",
        second_reading={
            "text": found["value"],
            "conf": round(conf, 1),
            "engine": engine.name if engine else "second",
        },
    )


def _inside(box, outer) -> bool:
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    return outer[0] <= cx <= outer[0] + outer[2] and outer[1] <= cy <= outer[1] + outer[3]


def _check_unverified_names(
    doc_type: str,
    fields: dict,
    applicant: dict | None,
    ocr: Any,
    report: _Report,
    second_look: Any = None,
) -> None:
    """A name the application gives nothing to compare with is only as good as its reading:
    read with low OCR confidence, or (a person's name) starting with no Chinese surname, it
    is reported as ``low_confidence`` so that such a document is never a ``pass``, whatever
    a second reader says (its reading is shown beside the first for the clerk)."""
    spec = find(doc_type)
    if spec is None:
        return
    for key, kind in spec.applicant_matches.items():
        record = fields.get(key)
        if kind != "name" or not record or (applicant or {}).get(key):
            continue
        first = _first_reading(record)
        second = record.get("second_reading")
        conf = word_confidence(ocr, record) if first and getattr(ocr, "pages", None) else None
        implausible = key in PERSON_NAME_KEYS and not plausible_chinese_name(first)
        if not first:
            why = "was not found by Tesseract"
        elif conf is not None and conf < LOW_CONF:
            why = f"read with low confidence ({conf:.0f})"
        elif implausible:
            why = "does not start with a known surname"
        elif second and not same_despite_confusions(first, clean_reading(second["text"])):
            why = "was read differently by the two readers"
        else:
            continue
        second = second_look(record) if second_look and key in PERSON_NAME_KEYS else None
        if second is not None:
            why += f"; {second.engine} read {second.text!r}"
        report.check(NAME_READING_CHECK, key, False, why)
        report.reason(
            "low_confidence",
            key,
            f"{key} {first!r} {why} and the application has none to compare",
            _both_readings(record, second),
        )


def _pages_payload(ocr) -> list[dict]:
    return [
        {
            "width": p.width,
            "height": p.height,
            "rotation": p.rotation,
            "words": [{"text": w.text, "box": list(w.box)} for w in p.words],
        }
        for p in ocr.pages
    ]


def review_document(
    path: str | os.PathLike | bytes,
    *,
    expected_type: str | None = None,
    applicant: dict | None = None,
    engine: str = "tesseract",
    today: _dt.date | None = None,
    classifier: Any = _SENTINEL,
    ocr_result: Any = None,
    second_opinion: bool = True,
) -> dict:
    """Review one document and return the verdict dict described in ml_shared.md.

    *expected_type* is the type the service asked for; *applicant* holds what the citizen
    typed (name, id_number, company_name, credit_code, legal_rep, lessee, employer,
    passport_number). *today* (default: the real date) drives expiry checks;
    *classifier* overrides the committed model (None = no model); *ocr_result* skips OCR;
    *second_opinion* (default on) lets a second OCR engine re-read a doubtful name's line
    (:mod:`ml.ocr.second`; nothing happens where that engine is not installed).
    """
    if expected_type is not None and not is_known(expected_type):
        raise ValueError(f"unknown expected_type {expected_type!r}")
    today = today or _dt.date.today()
    report = _Report()
    out = _empty_result(path, expected_type, report)
    try:
        ocr = ocr_result if ocr_result is not None else run_ocr(path, engine=engine)
    except UnreadableDocument as exc:
        limit = exc.reason in LIMIT_REASONS
        report.reason(
            exc.reason if limit else "unreadable",
            None,
            exc.detail if limit else f"the file cannot be read ({exc.reason})",
            {"text": exc.detail, "page": None, "box": None},
        )
        return out
    out.update(ocr_seconds=round(ocr.seconds, 3), text=ocr.text, pages=_pages_payload(ocr))
    if sum(1 for c in ocr.text if not c.isspace()) < MIN_TEXT_CHARS:
        report.reason("unreadable", None, "no text could be read from the document")
        return out
    if classifier is _SENTINEL:
        classifier = _load_classifier()
    doc_type, confidence, fields_type, basis = _classify(
        ocr.text, path, expected_type, classifier, report, ocr
    )
    out.update(doc_type=doc_type, confidence=confidence, type_basis=basis)
    fields = extract_fields(fields_type, ocr)
    if needs_recovery(fields_type, fields, ocr):
        fields = recover_fields(
            fields_type,
            fields,
            ocr,
            page_images(path, ocr),
            optional=_optional_keys(fields_type),
        )
    out["fields"] = fields
    _check_fields(fields_type, fields, today, report, ocr)
    second_look = _second_look(path, ocr) if second_opinion else None
    _settle_names(fields_type, fields, applicant, ocr, second_look)
    if applicant:
        _compare_applicant(fields_type, fields, applicant, ocr.text, report, second_look)
    _check_unverified_names(fields_type, fields, applicant, ocr, report, second_look)
    out["verdict"] = "pass" if not report.reasons else "attention"
    return out


def refusal(
    code: str, message: str, *, path: object = "<bytes>", expected_type: str | None = None
) -> dict:
    """The verdict for a file that was not reviewed (`code` is usually "too_complex" or
    "too_many_pages": it went over a limit): attention, with that one reason."""
    report = _Report()
    report.reason(code, None, message, {"text": message, "page": None, "box": None})
    return _empty_result(path, expected_type, report)


def _empty_result(path: object, expected_type: str | None, report: _Report) -> dict[str, Any]:
    """A review result before anything was read: attention, the report's checks and reasons."""
    return {
        "file": str(path) if not isinstance(path, bytes) else "<bytes>",
        "doc_type": expected_type or OTHER,
        "confidence": 0.0,
        "type_basis": "model",  # "anchors": the type's own evidence decided it, not the model
        "fields": {},
        "checks": report.checks,
        "verdict": "attention",
        "reasons": report.reasons,
        "ocr_seconds": 0.0,
        "text": "",
        "pages": [],
    }


def review_upload(
    path: str | os.PathLike,
    *,
    preview_to: str | os.PathLike | None = None,
    later_previews_to: list[str] | None = None,
    max_pdf_pages: int | None = None,
    **options: Any,
) -> dict:
    """Everything done with one uploaded file, meant for a bounded worker process: refuse a
    PDF of more than `max_pdf_pages` pages, write the first-page JPEG preview to
    `preview_to` (when given) and a PDF's next pages to `later_previews_to`, then
    :func:`review_document` with `options`.

    The result is the review, plus "preview": "ready", "unavailable" or None (not asked).
    A file too costly to draw is refused as ``too_complex`` without being OCR'd."""
    from ml.ocr.loading import count_pdf_pages, read_source
    from ml.preview import write_later_pages, write_preview

    expected = options.get("expected_type")
    try:
        data = read_source(path)
    except UnreadableDocument:
        data = b""  # review_document reports it
    if max_pdf_pages and isinstance(data, bytes) and data.lstrip()[:5] == b"%PDF-":
        try:
            pages = count_pdf_pages(data)
        except UnreadableDocument:
            pages = 0  # review_document reports it
        if pages > max_pdf_pages:
            out = refusal(
                "too_many_pages",
                f"the PDF has {pages} pages; at most {max_pdf_pages} are checked",
                path=path,
                expected_type=expected,
            )
            out["preview"] = None
            return out
    preview = None
    if preview_to is not None:
        try:
            write_preview(data or path, preview_to)
            preview = "ready"
            if later_previews_to:
                write_later_pages(data or path, later_previews_to)
        except UnreadableDocument as exc:
            preview = "unavailable"
            if exc.reason in LIMIT_REASONS:
                out = refusal(exc.reason, exc.detail, path=path, expected_type=expected)
                out["preview"] = preview
                return out
    out = review_document(path, **options)
    out["preview"] = preview
    return out


def warm_up(engine: str = "tesseract") -> None:
    """Load what a review needs (the OCR engine and its Chinese model, the classifier), so
    that a new worker process is ready before its first file arrives."""
    from PIL import Image

    from ml.ocr import get_engine

    try:
        get_engine(engine).recognize(Image.new("L", (64, 32), 255), lang="chi_sim")
    except Exception:  # noqa: BLE001 — the first review reports a missing engine
        pass
    second = second_engine()  # the second reader's recogniser, loaded once per process
    if second is not None:
        second.read_line(Image.new("RGB", (96, 48), "white"))
    _load_classifier()


def review_paths(paths: list[str | Path], **options: Any) -> list[dict]:
    """Review several files one after another (see :func:`review_document`)."""
    return [review_document(p, **options) for p in paths]
