"""Extractors for identity documents: ID card (both sides), household register, passport."""

from __future__ import annotations

import re

from ml.names import plausible_chinese_name
from ml.normalize import fix_digits, normalize_date, normalize_id_number
from ml.validators import birth_date_from_id, mrz_check_digit, sex_from_id, validate

from .base import CJK_NAME, Document, FieldRecord, record

# 18 characters that may be an ID number, allowing OCR spaces and look-alikes.
ID_CANDIDATE = (
    r"(?<![0-9A-Za-z])[0-9OoIlSZB](?:\s?[0-9OoIlSZB]){16}\s?[0-9XxOoIlSZB×](?![0-9A-Za-z])"
)
# A printed digit as OCR may return it: "1" often comes back as "]" (2012 年 0] 月 29 日).
DIGIT = r"[\dOIl\]]"
DATE_CN = rf"{DIGIT}{{4}}\s*年\s*{DIGIT}{{1,2}}\s*月\s*{DIGIT}{{1,2}}(?:\s*日)?"
DATE_ANY = rf"{DIGIT}{{4}}\s*[年.\-/]\s*{DIGIT}{{1,2}}\s*[月.\-/]\s*{DIGIT}{{1,2}}\s*日?"
# Dates on the back of an ID card: OCR turns the dots into "=", ":", "_" or doubles them.
_SEP = r"(?:[.\-/年月=:_]{1,2})"
DATE_DOTTED = rf"{DIGIT}{{4}}\s*{_SEP}\s*{DIGIT}{{1,2}}\s*{_SEP}\s*{DIGIT}{{1,2}}\s*日?"
# 19 characters that may be an ID number with one character inserted by OCR.
ID_CANDIDATE_19 = (
    r"(?<![0-9A-Za-z])[0-9OoIlSZB](?:\s?[0-9OoIlSZB]){17}\s?[0-9XxOoIlSZB×]"
    r"(?![0-9A-Za-z])"
)
NAME_STOP = (
    "姓名",
    "性别",
    "民族",
    "出生",
    "住址",
    "公民",
    "中华",
    "户主",
    "常住",
    "曾用名",
    "身份",
    "籍贯",
    "证明",
    "单位",
    "学位",
    "关系",  # 户主或与户主关系, a household register's label, read beside the name
)


def _clean_name(raw: str) -> str | None:
    """A person's name from a matched span: CJK only, 2-5 characters, no label words."""
    name = re.sub(r"[^\u4e00-\u9fff·]", "", raw)
    if len(name) >= 3 and name[0] in "姓名":  # the rest of a half-read 姓名 label
        name = name[1:]
    if not 2 <= len(name) <= 5 or any(word in name for word in NAME_STOP):
        return None
    return name


# Marks a value that only a repair made valid (see find_id_number): the review treats it as
# failing its check until a re-reading confirms it.
UNCONFIRMED = {"unconfirmed": "valid only with one character of the reading dropped"}


def _drop_inserted(raw: str) -> str | None:
    """An ID number read with one extra character (4401061973020524387): the number is
    recovered only if exactly one single-character deletion gives a valid ID."""
    compact = re.sub(r"\s", "", raw)
    variants = {normalize_id_number(compact[:i] + compact[i + 1 :]) for i in range(len(compact))}
    valid = [v for v in variants if v and validate("resident_id", v).ok]
    return valid[0] if len(valid) == 1 else None


def find_id_number(doc: Document) -> FieldRecord | None:
    """The first 18-character resident ID, preferring ones whose check digit is valid;
    a 19-character reading counts when exactly one deletion makes it valid."""
    candidates = []
    for line, match in doc.search(ID_CANDIDATE):
        value = normalize_id_number(match.group(0))
        if value:
            candidates.append(record(value, line, match.start(), match.end()))
    for line, match in doc.search(ID_CANDIDATE_19):
        value = _drop_inserted(match.group(0))
        if value:
            # The check digit chose one of 19 numbers, not one reading: a number printed
            # with a wrong check character and read with one extra character gives a valid
            # one about 3 times in 10. It stands only once a re-reading of its line
            # confirms it (ml.fields.recover); until then the review does not pass it.
            candidates.append(dict(record(value, line, match.start(), match.end()), **UNCONFIRMED))
    for cand in candidates:
        if validate("resident_id", cand["value"]).ok:
            return cand
    return candidates[0] if candidates else None


def extract_id_card_front(doc: Document) -> dict[str, FieldRecord]:
    """姓名 / 性别 / 出生 / 公民身份号码; the name also when the label was not read."""
    fields: dict[str, FieldRecord] = {}
    id_rec = find_id_number(doc)
    if id_rec:
        fields["id_number"] = id_rec
    name = doc.after_label(["姓名"], CJK_NAME + r"(?:·[\u4e00-\u9fff]{2,4})?", clean=_clean_name)
    if name is None:
        # Unlabelled name: a short line of CJK only starting with a surname, above every
        # line with a figure (a date or number below the name; a reading that starts
        # with the address or the date's line is no name: 山东省 once was).
        for line in doc.lines[:3]:
            if re.search(r"\d", line.text):
                break
            match = re.fullmatch(r"\s*([\u4e00-\u9fff]{2,4})\s*", line.text)
            if match and _clean_name(match.group(1)) and plausible_chinese_name(match.group(1)):
                name = record(match.group(1), line, match.start(1), match.end(1))
                break
    if name:
        fields["name"] = name
    sex = doc.after_label(["性别"], "[男女]") or doc.first(r"(?<![\u4e00-\u9fff])[男女](?=\s*民族)")
    if sex is None:
        sex = doc.first(r"[男女]")
    if sex:
        fields["sex"] = sex
    birth = doc.after_label(["出生"], DATE_CN, clean=normalize_date) or doc.first(
        DATE_CN, clean=normalize_date
    )
    if birth is None and id_rec and validate("resident_id", id_rec["value"]).ok:
        birth = dict(id_rec, value=birth_date_from_id(id_rec["value"]).isoformat())
    if birth:
        fields["birth_date"] = birth
    if "sex" not in fields and id_rec and validate("resident_id", id_rec["value"]).ok:
        fields["sex"] = dict(id_rec, value=sex_from_id(id_rec["value"]))
    return fields


def extract_id_card_back(doc: Document) -> dict[str, FieldRecord]:
    """有效期限 2016.07.26-2036.07.26 (or ...-长期) -> valid_from, valid_until."""
    fields: dict[str, FieldRecord] = {}
    date = DATE_DOTTED
    for line, match in doc.search(rf"(?P<a>{date})\s*(?:[-~至到—]|\s)\s*(?P<b>{date}|长期)"):
        start, end = normalize_date(fix_digits(match.group("a"))), match.group("b")
        until = "长期" if end == "长期" else normalize_date(fix_digits(end))
        if start and until:
            fields["valid_from"] = record(start, line, match.start("a"), match.end("a"))
            fields["valid_until"] = record(until, line, match.start("b"), match.end("b"))
            return fields
    dates = [(line, m) for line, m in doc.search(date)]
    if dates:
        line, m = dates[0]
        value = normalize_date(fix_digits(m.group(0)))
        if value:
            fields["valid_from"] = record(value, line, m.start(), m.end())
    if len(dates) > 1:
        line, m = dates[1]
        value = normalize_date(fix_digits(m.group(0)))
        if value:
            fields["valid_until"] = record(value, line, m.start(), m.end())
    return fields


def extract_household_register(doc: Document) -> dict[str, FieldRecord]:
    """常住人口登记卡: 姓名 and 公民身份证件编号."""
    fields: dict[str, FieldRecord] = {}
    id_rec = find_id_number(doc)
    if id_rec:
        fields["id_number"] = id_rec
    name = doc.after_label(
        ["姓名"],
        r"[\u4e00-\u9fff]{2,4}?(?=\s*(?:.主或与|户主|性别|曾用名|\||$|\s))",
        clean=_clean_name,
    )
    if name is None:  # the label cell is often lost: the name precedes 户主或与户主关系
        name = doc.first(r"([\u4e00-\u9fff]{2,4})\s*户主", group=1, clean=_clean_name)
    if name is None:  # read column by column: the name is in the label's row, by its box
        name = doc.beside(["姓名"], r"[\u4e00-\u9fff]{2,4}", clean=_clean_name) or doc.beside(
            ["户主或与户主关系", "与户主关系"],
            r"[\u4e00-\u9fff]{2,4}",
            side="left",
            clean=_clean_name,
        )
    if name:
        fields["name"] = name
    return fields


_MRZ_FIX = str.maketrans({"£": "E", "€": "E", "«": "<", "‹": "<"})  # OCR-B glyphs misread
_NAME_FIX = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"})
MRZ1 = re.compile(r"P[<K]?([A-Z]{3})([A-Z0-9<]+?)<<([A-Z0-9<]*)")


def _mrz_name(raw: str) -> str:
    """MRZ name field -> words: digits read for letters repaired, '<' as space."""
    return re.sub(r"[^A-Z ]", "", raw.translate(_NAME_FIX).replace("<", " ")).strip()


MRZ2 = re.compile(r"([A-Z0-9<]{9})([0-9O])([A-Z<]{3})(\d{6})")


def extract_passport(doc: Document) -> dict[str, FieldRecord]:
    """Passport number, surname and given names: MRZ first (it has check digits), then
    the printed labels (护照号 / Passport No., 姓 / Surname, 名 / Given names)."""
    fields: dict[str, FieldRecord] = {}
    for line in doc.lines:
        # The MRZ has capitals only: a lower-case "l" is an "I" (FENG<<Y IWEl -> YIWEI).
        compact = line.text.replace(" ", "").replace("l", "I").upper().translate(_MRZ_FIX)
        match = MRZ1.match(compact) if compact.startswith("P") else None
        if match and "surname" not in fields:
            surname = _mrz_name(match.group(2))
            given = _mrz_name(re.sub(r"<<.*$", "", match.group(3)))
            if surname:
                fields["surname"] = record(surname, line, 0, len(line.text))
            if given:
                fields["given_names"] = record(given, line, 0, len(line.text))
            continue
        match = MRZ2.match(compact)
        if match and "passport_number" not in fields:
            number = match.group(1).replace("<", "")
            check = match.group(2).replace("O", "0")
            if validate("passport_number", number, check_digit=check).ok:
                fields["passport_number"] = record(number, line, 0, len(line.text))
    if "passport_number" not in fields:
        rec = doc.first(r"(?<![A-Z0-9])(E[A-Z0-9]\d{7}|[EGDSP]\d{8})(?![A-Z0-9])")
        if rec:
            fields["passport_number"] = rec
    name_value = r"[A-Z][A-Z ]{0,30}[A-Z]|[A-Z]"
    for key, labels in (
        ("surname", ["Surname", "Sumame", "Surnarne"]),
        ("given_names", ["Given names", "Given name", "Given narmes", "Given nares"]),
    ):
        printed = doc.after_label(labels, rf"(?:[\u4e00-\u9fff]+\s*/\s*)?(?:{name_value})")
        if printed is None:
            continue
        printed = dict(printed, value=re.sub(r"^.*/\s*", "", printed["value"]).strip())
        from_mrz = fields.get(key)
        # The MRZ pads names with '<' that OCR turns into letters or drops letters next to,
        # and its small OCR-B glyphs get O/Q confused; the printed name is complete more
        # often, so the longer reading wins, and the printed one when they are as long.
        if from_mrz is None or len(printed["value"].replace(" ", "")) >= len(
            from_mrz["value"].replace(" ", "")
        ):
            fields[key] = printed
    return fields


MRZ2_FULL = re.compile(r"([A-Z0-9<]{9})([0-9])([A-Z<]{3})(\d{6})(\d)([MF<])(\d{6})(\d)")


_PRINTED_DATE = r"\d{1,2}\s*[A-Z]{3}\s*\d{4}"


def passport_expiry(doc: Document) -> FieldRecord | None:
    """Expiry date of a passport, or None when it cannot be read. Not one of the
    passport's public fields; review checks it (and asks a clerk when it is None).

    In order: MRZ line 2 (YYMMDD with its check digit); the printed date after the
    有效期至 / Date of expiry label, on its line or at the start of the next one (two
    columns: 有效期至 /Date of expiry 签发机关 /Authority, then 12 JUN 2029 国家移民管理局);
    else, when at least three printed dates were read (birth, issue, expiry), the latest.
    """
    for line in doc.lines:
        compact = line.text.replace(" ", "").upper().translate(_MRZ_FIX)
        compact = compact[:13] + compact[13:].replace("O", "0")  # digits after the nationality
        match = MRZ2_FULL.search(compact)
        if not match or mrz_check_digit(match.group(7)) != match.group(8):
            continue
        yy, mm, dd = match.group(7)[:2], match.group(7)[2:4], match.group(7)[4:]
        value = normalize_date(f"20{yy}-{mm}-{dd}")  # passports expire within 20xx
        if value:
            return record(value, line, 0, len(line.text))
    label = re.compile(r"Date of expiry|有效期至", re.IGNORECASE)
    for number, line in enumerate(doc.lines):
        found = label.search(line.text)
        if not found:
            continue
        candidates = [(line, re.compile(_PRINTED_DATE).search(line.text.upper(), found.end()))]
        if number + 1 < len(doc.lines):
            nxt = doc.lines[number + 1]
            candidates.append((nxt, re.compile(rf"^\s*({_PRINTED_DATE})").search(nxt.text.upper())))
        for cand_line, cand in candidates:
            value = normalize_date(cand.group(0)) if cand else None
            if value:
                return record(value, cand_line, cand.start(), cand.end())
    printed = []
    for line, match in doc.search(re.compile(_PRINTED_DATE, re.IGNORECASE)):
        value = normalize_date(match.group(0))
        if value:
            printed.append((value, record(value, line, match.start(), match.end())))
    if len(printed) >= 3:
        return max(printed, key=lambda item: item[0])[1]
    return None


def mrz_number_ok(number: str, check: str) -> bool:
    """True when *check* is the ICAO check digit of the (padded) passport *number*."""
    return mrz_check_digit(number.ljust(9, "<")) == check
