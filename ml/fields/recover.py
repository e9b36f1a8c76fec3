"""Second chance for fields the first OCR pass got wrong, using the page image.

:func:`recover_fields` is called by the review after plain extraction, only when a
check-digit field fails its check, a required field is missing, or OCR was unsure of
an employer's words (:func:`needs_recovery`):

* **Check-digit fields** (resident ID number, unified social credit code): every run of
  12+ letters/digits on the page (the extracted value's own box first) is re-read as one
  line with a character whitelist (:func:`ml.ocr.reread.read_line`). A reading replaces
  the value only if it validates; otherwise the raw value stays and its checksum check
  fails as before. The check digit selects among readings, it never creates one: an ID
  number made valid by dropping a character OCR inserted is ``unconfirmed`` until a
  re-reading validates, and the review does not pass it.
* **Fields hidden under a seal** (an employer or company name printed over a red
  stamp, which tesseract then drops with the whole block): the page is re-read with
  the seal removed (:func:`ml.ocr.reread.read_region`) and the extractor runs again on
  that reading; only fields that were missing are filled in.
* **An employer read with low confidence**: its line is re-read on its own (psm 7,
  several image variants) and the extractor runs on each reading that is more
  confident than the first pass; the first one it accepts replaces the value.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence

from ml.doctypes import extractor_for, fields_of
from ml.ocr import reread
from ml.ocr.types import OcrPage, OcrResult
from ml.validators import validate

from .base import Document, FieldRecord, Line

# Check-digit field -> (validator, whitelist, value length); re-read for every document
# type that declares the field (ml.doctypes).
CHECKED_FIELDS: dict[str, tuple[str, str, int]] = {
    "id_number": ("resident_id", reread.DIGITS_X, 18),
    "credit_code": ("credit_code", reread.CREDIT_CODE_CHARS, 18),
}
# Text fields without a check digit whose line is re-read when OCR was unsure of it.
# Only the employer: it is printed under the company seal, and on the held-out set
# (heldC, 40 certificates) re-reading it took exact matches from 8 to 18. Re-reading
# company names and person names was tried and made as many values wrong as right.
TEXT_FIELDS = ("employer",)
LOW_CONF = 60.0  # a word of the value below this confidence triggers a line re-read
STAMP_FREE_PSMS = (3, 6)
MAX_REREADS = 4  # line crops re-read per field (each costs one or two tesseract runs)
_RUN = re.compile(r"[0-9A-Za-z×](?:\s?[0-9A-Za-z×|]){11,}")


def _valid(validator: str) -> Callable[[str], bool]:
    return lambda value: validate(validator, value).ok


def _pick(reading: str, validator: str, length: int, exact: bool = False) -> str | None:
    """The first *length*-character window of *reading* that validates (a reading may
    carry a stray character from a neighbouring word); with *exact*, only a reading of
    exactly *length* characters counts (a window of a longer one is another repair)."""
    text = re.sub(r"\s", "", reading).upper()
    if exact and len(text) != length:
        return None
    for start in range(max(1, len(text) - length + 1)):
        window = text[start : start + length]
        if len(window) == length and validate(validator, window).ok:
            return window
    return None


# Labels printed before a check-digit field: where it was not read at all, the space right
# of its label (on the line) and under it (the next line, as on ID card fronts) is re-read.
LABELS: dict[str, re.Pattern] = {
    "id_number": re.compile(r"公民身份(?:证件)?(?:号码|编号)|身份证(?:件)?号码?"),
    "credit_code": re.compile(r"统一社会信用代码"),
}
VALUE_WIDTH = 12  # a value's width in label heights (18 characters at about 0.6 height)


def _label_boxes(doc: Document, key: str | None) -> list[tuple[int, tuple]]:
    """(page, box) right of and under each label of *key* that was read."""
    label = LABELS.get(key or "")
    out: list[tuple[int, tuple]] = []
    if label is None:
        return out
    for line in doc.lines:
        for match in label.finditer(line.text):
            box = line.box_of(match.start(), match.end())
            if box is None:
                continue
            x, y, w, h = box
            out.append((line.page, (x + w, y, VALUE_WIDTH * h, h)))
            out.append((line.page, (x, y + h + h // 3, VALUE_WIDTH * h, round(1.3 * h))))
    return out


def _clipped(box: tuple, size: tuple[int, int]) -> tuple | None:
    """*box* (x, y, w, h) cut to an image of *size*; None when nothing is left."""
    x, y, w, h = (int(v) for v in box)
    left, top = max(0, x), max(0, y)
    right, bottom = min(size[0], x + w), min(size[1], y + h)
    if right - left < 4 or bottom - top < 4:
        return None
    return (left, top, right - left, bottom - top)


def _boxes(
    doc: Document, current: FieldRecord | None, key: str | None = None
) -> list[tuple[int, tuple]]:
    """(page, box) of the line crops worth re-reading: the current value's box first, or
    with no value the space by its label, then every run of 12+ letters and digits."""
    out: list[tuple[int, tuple]] = []
    if current and current.get("box"):
        out.append((current.get("page", 0), tuple(current["box"])))
    else:
        out += _label_boxes(doc, key)[:2]
    for line in doc.lines:
        for match in _RUN.finditer(line.text):
            box = line.box_of(match.start(), match.end())
            if box and (line.page, box) not in out:
                out.append((line.page, box))
    return out


def reread_checked(
    doc_type: str,
    key: str,
    doc: Document,
    current: FieldRecord | None,
    images: Sequence,
    *,
    exact: bool = False,
) -> FieldRecord | None:
    """A validated re-reading of check-digit field *key*, or None (*exact*: see
    :func:`_pick`; used to confirm a value that a repair made valid)."""
    validator, whitelist, length = CHECKED_FIELDS[key]
    for page, box in _boxes(doc, current, key)[:MAX_REREADS]:
        image = images[page] if page < len(images) else None
        if image is None:
            continue
        box = _clipped(box, image.size)
        if box is None:
            continue
        readings = reread.read_line(
            image,
            box,
            whitelist=whitelist,
            accept=lambda text: _pick(text, validator, length, exact) is not None,
        )
        for text, _conf in readings:
            value = _pick(text, validator, length, exact)
            if value:
                return {"value": value, "text": text, "page": page, "box": list(box)}
    return None


def _stamp_free(ocr: OcrResult, images: Sequence, psm: int) -> OcrResult | None:
    """The document re-read with seals removed (None when no page has an image)."""
    pages, any_image = [], False
    for page, image in zip(ocr.pages, images):
        if image is not None:
            any_image = True
            pages.append(
                OcrPage(page.width, page.height, reread.read_region(image, psm=psm), page.rotation)
            )
        else:
            pages.append(page)
    if not any_image:
        return None
    return OcrResult(text="", pages=pages, seconds=0.0, engine="reread", lang="chi_sim")


def _line_of(doc: Document, record: FieldRecord):
    """The document line holding *record*'s evidence box (None if not found)."""
    box = record.get("box")
    if not box:
        return None
    for line in doc.lines:
        if line.page != record.get("page", 0):
            continue
        for _start, _end, span_box in line.spans:
            if span_box is not None and tuple(span_box) == tuple(box[:4]):
                return line
        whole = line.box_of(0, len(line.text))
        if (
            whole
            and whole[1] <= box[1] + box[3] / 2 <= whole[1] + whole[3]
            and whole[0] <= box[0] + box[2] / 2 <= whole[0] + whole[2]
        ):
            return line
    return None


def word_confidence(ocr: OcrResult, record: FieldRecord) -> float | None:
    """Lowest OCR confidence of the words under *record*'s box (None without a box)."""
    box = record.get("box")
    page = record.get("page", 0)
    if not box or page >= len(ocr.pages):
        return None
    x, y, w, h = box
    confs = [
        word.conf
        for word in ocr.pages[page].words
        if word.conf >= 0
        and word.box[0] < x + w
        and word.box[0] + word.box[2] > x
        and word.box[1] < y + h
        and word.box[1] + word.box[3] > y
    ]
    return min(confs) if confs else None


def _unsure(ocr: OcrResult, fields: dict[str, FieldRecord], keys=None) -> list[str]:
    out = []
    for key in TEXT_FIELDS:
        if key in fields and (keys is None or key in keys):
            conf = word_confidence(ocr, fields[key])
            if conf is not None and conf < LOW_CONF:
                out.append(key)
    return out


def reread_text_field(
    doc_type: str,
    key: str,
    doc: Document,
    record: FieldRecord,
    images: Sequence,
    *,
    original_conf: float,
) -> FieldRecord | None:
    """*key* extracted again from a single-line re-read of the line that holds it.

    Readings more confident than the first pass, best first, each replace that line in
    the document and the type's extractor runs again; the first reading from which the
    extractor gets *key* wins. None when no reading beats the first pass."""
    line = _line_of(doc, record)
    image = (
        images[record.get("page", 0)]
        if line is not None and record.get("page", 0) < len(images)
        else None
    )
    extractor = extractor_for(doc_type)
    if line is None or image is None or extractor is None:
        return None
    box = line.box_of(0, len(line.text))
    if box is None:
        return None
    for text, conf in reread.read_line(image, box, lang="chi_sim", margin_x=0.5, margin_y=0.3):
        if conf <= original_conf + 10:
            break
        replaced = Line(line.page, line.index, text, [(0, len(text), box)])
        trial = copy.copy(doc)
        trial.lines = [replaced if other is line else other for other in doc.lines]
        found = extractor(trial).get(key)
        if found and found.get("page", 0) == line.page and found.get("box") == list(box):
            return found
    return None


def needs_recovery(
    doc_type: str, fields: dict[str, FieldRecord], ocr: OcrResult | None = None
) -> bool:
    """True when a required field is missing, a check-digit field fails its check, or
    (given *ocr*) OCR was unsure of a text field's words."""
    if ocr is not None and _unsure(ocr, fields):
        return True
    for key in fields_of(doc_type):
        if key not in fields:
            return True
        spec = CHECKED_FIELDS.get(key)
        if spec and (
            not validate(spec[0], fields[key]["value"]).ok or fields[key].get("unconfirmed")
        ):
            return True
    return False


def recover_fields(
    doc_type: str,
    fields: dict[str, FieldRecord],
    ocr: OcrResult,
    images: Sequence,
    *,
    optional: frozenset[str] | set[str] = frozenset(),
) -> dict[str, FieldRecord]:
    """*fields* with missing or checksum-failing values re-read from the page *images*
    (upright, in the frame of *ocr*'s boxes; None entries are skipped)."""
    if not any(image is not None for image in images):
        return fields
    fields = dict(fields)
    doc = Document(ocr)
    origin = dict.fromkeys(fields, (ocr, doc))  # the reading each field came from
    wanted = [k for k in fields_of(doc_type) if k not in fields and k not in optional]
    extractor = extractor_for(doc_type)
    # Page layout analysis (psm 3) first; a seal can split a line into two blocks, so
    # what is still missing is looked for in a single-block reading (psm 6).
    for psm in STAMP_FREE_PSMS:
        if not wanted or extractor is None:
            break
        clean = _stamp_free(ocr, images, psm)
        if clean is None:
            break
        clean_doc = Document(clean)
        again = extractor(clean_doc)
        for key in [k for k in wanted if k in again]:
            fields[key] = again[key]
            origin[key] = (clean, clean_doc)
            wanted.remove(key)
    for key in TEXT_FIELDS:
        if key not in fields:
            continue
        source, source_doc = origin[key]
        if not _unsure(source, fields, {key}):
            continue
        record = fields[key]
        better = reread_text_field(
            doc_type,
            key,
            source_doc,
            record,
            images,
            original_conf=word_confidence(source, record) or 0.0,
        )
        if better:
            fields[key] = better
    declared = fields_of(doc_type)
    for key, (validator, _, _) in CHECKED_FIELDS.items():
        if key not in declared:
            continue
        current = fields.get(key)
        unconfirmed = bool(current and current.get("unconfirmed"))
        if current and validate(validator, current["value"]).ok and not unconfirmed:
            continue
        better = reread_checked(doc_type, key, doc, current, images, exact=unconfirmed)
        if better:
            fields[key] = better  # a re-reading that validates: confirmed, or a better one
    return fields
