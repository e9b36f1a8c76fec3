"""Invoice and receipt fields that do not depend on Chinese labels being read.

Real receipts are often English (TOTAL, AMOUNT DUE, ROUNDED TOTAL, dd/mm/yy dates), and on
real Chinese invoices OCR garbles the labels (开票日期 -> 开桑日期) or the code and number are
printed with no label at all. These finders work from the shape of a value instead:
:func:`find_date` (a date of any common format, preferring one next to a date label),
:func:`find_total` (an amount next to a total label, the strongest label winning, checked
against what was paid less the change, the rounding adjustment and the tax arithmetic),
:func:`amount_in_words` (the 大写 amount, used to confirm or correct the figures) and
:func:`unlabelled_invoice_ids` (the 12/10-digit code and the 8/20-digit number in the
top part of a Chinese invoice).
"""

from __future__ import annotations

import re
from decimal import Decimal

from ml.normalize import (
    chinese_amount_to_decimal,
    fix_digits,
    normalize_amount,
    normalize_date,
)
from ml.validators import validate

from .base import Document, FieldRecord, record

MONEY = r"\d{1,3}(?:,\d{3})+\s?\.\s?\d{2}|\d+\s?\.\s?\d{2}"
_MONTH = r"(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*"
DATE_EVERY = re.compile(
    "|".join(
        (
            # 2026-01-02, 2026年1月2日
            r"(?<!\d)\d{4}\s*[年.\-/]\s*\d{1,2}\s*[月.\-/]\s*\d{1,2}\s*日?",
            # 02/01/2026, 02-01-26, 02/01/202613:48 (OCR lost the space before the time)
            (
                r"(?<!\d)\d{1,2}\s?[./-]\s?\d{1,2}\s?[./-]\s?"
                r"(?:\d{4}(?!\d)|\d{4}(?=\d{1,2}\s?:\s?\d{2})|\d{2}(?!\d))"
            ),
            # 02 Jan 2026, 01-NOV-17
            (
                rf"(?<![\dA-Z])\d{{1,2}}\s?[-/ .]?\s?{_MONTH}\.?\s?[-/ .,]?\s?"
                r"(?:\d{4}|\d{2})(?!\d)"
            ),
            rf"\b{_MONTH}\.?\s+\d{{1,2}},?\s+\d{{4}}",  # Jan 2, 2026
        )
    ),
    re.IGNORECASE,
)
# A date label: Chinese (with the characters OCR tends to garble), English and Malay.
DATE_LABEL = re.compile(r"开.日期|开具日期|日\s*期|交易时间|\bDATE\b|\bTARIKH\b|\bDT\b", re.I)
# Total labels, strongest first; on one level the largest amount wins (a total is at
# least its subtotal). "Sub total", quantities, taxes and discounts are not totals.
_T = r"T[O0Q]{1,2}TA[L1I]{1,2}"  # TOTAL as OCR prints it: TOQTAL, Tota1l
_TOTAL_PATTERNS = (
    r"ROUND(?:ED|ING)?\s*{T}|{T}\s*(?:AFTER\s*)?ROUND(?:ED|ING)?(?!\s*ADJ)",
    r"GRAND\s*{T}|NET+\s*{T}|{T}\s*NET+",
    (
        r"{T}\s*(?:AMOUNT|AMT|PAYABLE|DUE|SALES?\s*\(?INCL|INCL|\(?RM\)?|\(?MYR\)?)"
        r"|AMOUNT\s*(?:DUE|PAYABLE)|AMT\s*DUE|BALANCE\s*DUE|{T}\s*TO\s*PAY"
    ),
    (
        r"(?<!SUB)(?<!SUB\s)(?<!SUB-)\b{T}\b(?!\s*(?:QTY|QUANTITY|ITEMS?|DISC|SAVING|GST|TAX"
        r"|EXCL|EX\b|NET\s*WEIGHT|NO\b|POINTS?))"
    ),
)
TOTAL_LABELS = tuple(p.replace("{T}", _T) for p in _TOTAL_PATTERNS)
_NOT_A_TOTAL = re.compile(r"SUB\s*-?\s*TOTAL|TAX\s*TOTAL|GST\s*TOTAL|TOTAL\s*GST|CHANGE", re.I)
_WORDS = re.compile(r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿]+[圆元][零壹贰叁肆伍陆柒捌玖角分整正]*")


def _plausible_date(value: str | None) -> bool:
    return bool(value) and validate("date", value, min_year=1990, future_years=1).ok


_TIME = re.compile(r"\s*[,;]?\s*\d{1,2}\s?[:.]\s?\d{2}(?!\d)")


def find_date(doc: Document) -> FieldRecord | None:
    """The document's date: the first date of any format on a line with a date label (or
    on the line after a label that stands alone), else the first one printed with a time
    (a till prints 27/05/2018 13:48), else the first date anywhere. Letters OCR reads for
    digits (14/O3/2019) are repaired first (:func:`_digits_repaired`). A date read
    cleanly beats one whose impossible day had to be repaired (:func:`_day_repaired`)."""
    labelled, timed, anywhere, repaired = [], [], [], []
    for number, line in enumerate(doc.lines):
        label = DATE_LABEL.search(line.text)
        text = _digits_repaired(line.text, label)
        previous = doc.lines[number - 1].text if number else ""
        for match in DATE_EVERY.finditer(text):
            value = normalize_date(match.group(0))
            if not _plausible_date(value):
                value = _day_repaired(match.group(0))
                if value:
                    repaired.append(record(value, line, match.start(), match.end()))
                continue
            found = record(value, line, match.start(), match.end())
            anywhere.append(found)
            if _TIME.match(text, match.end()):
                timed.append(found)
            if (label and label.start() <= match.start()) or DATE_LABEL.search(previous[-12:]):
                labelled.append(found)
    return (labelled or timed or anywhere or repaired or [None])[0] or _repaired_date(doc)


# A dd/mm/yy(yy) token with letters OCR reads for digits (14/O3/2019, 2S/11/18).
_LOOSE_DATE = re.compile(
    r"(?<![\w/.-])[\dOoSIl|B]{1,2}[./-][\dOoSIl|B]{1,2}[./-][\dOoSIl|B]{2,4}(?![\w/.-])"
)
# After a date label, a "/" is often read as 7 or 1 (Date :21704719 for 21/04/19).
_SLASH_AS_DIGIT = re.compile(r"(?<!\d)(\d{2})[71](\d{2})[71](\d{4}|\d{2})(?!\d)")


def _digits_repaired(text: str, label: re.Match | None) -> str:
    """*text* (same length, so spans still point at the page) with the look-alike letters
    of date-shaped tokens read as digits, and, after a date label, dd7mm7yy read as
    dd/mm/yy when that is a valid date."""

    def letters(match: re.Match) -> str:
        token = match.group(0)
        fixed = fix_digits(token)
        digits = sum(c.isdigit() for c in token)
        return fixed if len(fixed) == len(token) and digits >= 4 else token

    text = _LOOSE_DATE.sub(letters, text)
    if label is None:
        return text

    def slashes(match: re.Match) -> str:
        reading = "/".join(match.groups())
        return reading if _plausible_date(normalize_date(reading)) else match.group(0)

    return text[: label.end()] + _SLASH_AS_DIGIT.sub(slashes, text[label.end() :])


# Digits OCR commonly reads for a 1 or a 0 on faded till paper; used only for the tens of
# an impossible day (42.03.2020 for 12.03.2020, 63-11-18 for 03-11-18).
_TENS_LOOKALIKE = {"4": "1", "7": "1", "6": "0", "8": "0", "9": "0"}
_DAY_FIRST = re.compile(r"(\d)(\d)(\s?[./-]\s?\d{1,2}\s?[./-]\s?\d{2,4})")


def _day_repaired(token: str) -> str | None:
    """The date a dd/mm/yy token with an impossible day (over 31) stands for when its
    tens digit is one OCR commonly misreads, or None."""
    match = _DAY_FIRST.fullmatch(token.strip())
    if not match or int(match.group(1) + match.group(2)) <= 31:
        return None
    tens = _TENS_LOOKALIKE.get(match.group(1))
    value = normalize_date(f"{tens}{match.group(2)}{match.group(3)}") if tens else None
    return value if _plausible_date(value) else None


_GARBLED = re.compile(r"(?<![\d/])\d[\d/.\-]{6,10}\d(?![\d/])")
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")


def _readings(token: str) -> set[str]:
    """Dates a garbled dd/mm/yyyy token may stand for: one digit read for a separator
    (14/0512018) or one character inserted (201/10/2016)."""
    tries = [token[:i] + "/" + token[i + 1 :] for i in range(len(token)) if token[i].isdigit()]
    tries += [token[:i] + token[i + 1 :] for i in range(len(token))]
    out = set()
    for text in tries:
        match = _DMY.fullmatch(text)
        if match:
            value = normalize_date(text)
            if _plausible_date(value):
                out.add(value)
    return out


def _repaired_date(doc: Document) -> FieldRecord | None:
    """A date no pattern matched because OCR garbled one character: the readings of the
    token next to a date label, narrowed by the other garbled tokens when several fit."""
    labelled, others = [], []
    for line in doc.lines:
        label = DATE_LABEL.search(line.text)
        for match in _GARBLED.finditer(line.text):
            readings = _readings(match.group(0))
            if readings:
                entry = (readings, line, match)
                (labelled if label and label.start() <= match.start() else others).append(entry)
    for readings, line, match in labelled + others:
        elsewhere = set().union(*(r for r, _, m in labelled + others if m is not match))
        narrowed = readings & elsewhere if len(readings) > 1 else readings
        if len(narrowed) == 1:
            return record(narrowed.pop(), line, match.start(), match.end())
    return None


# On a total's line a comma before the cents is a decimal comma (RM 12,50), never
# thousands, but not when letters follow it (NET 2,40kg: a weight); OCR also
# doubles the point or adds a quote mark (27,.45, 12. "40).
_LINE_MONEY = re.compile(
    rf"{MONEY}|\d+\s?(?:,\s?\.|\.\s?,|\.\s{{0,2}}[\"“”'‘’]?)\s{{0,2}}\d{{2}}(?!\d)"
    r"|\d+\s?,\s?\d{2}(?![\d,A-Za-z])"
)
# The tax share of a total is not the total (SST 6% included in total RM 1.02).
_TAX_SHARE = re.compile(rf"INCLU\w*\s*IN\s*{_T}|{_T}\s*INCLUDES", re.I)


Amount = tuple[Decimal, FieldRecord, int]  # an amount, its record, the number of its line


def _amount_after(line_text: str, start: int) -> re.Match | None:
    return _LINE_MONEY.search(line_text, start)


def _figure(text: str) -> str | None:
    text = re.sub(r"[\s\"“”'‘’]", "", text)
    text = re.sub(r"[.,]{2,}", ".", text)
    return normalize_amount(re.sub(r",(\d{2})$", r".\1", text))


def _labelled_totals(doc: Document) -> list[list[Amount]]:
    """The amounts next to each level of total label (same line, else the next line), each
    as (amount, record, number of the line it is printed on)."""
    levels = []
    for label in TOTAL_LABELS:
        label_re = re.compile(label, re.IGNORECASE)
        found: list[Amount] = []
        for number, line in enumerate(doc.lines):
            match = label_re.search(line.text)
            if (
                not match
                or _NOT_A_TOTAL.search(line.text[max(0, match.start() - 4) : match.end()])
                or _TAX_SHARE.search(line.text)
            ):
                continue
            target, at, amount = line, number, _amount_after(line.text, match.end())
            if amount is None and number + 1 < len(doc.lines):
                target, at = doc.lines[number + 1], number + 1
                amount = re.match(rf"\s*\D{{0,4}}?(?P<v>{_LINE_MONEY.pattern})", target.text)
            if amount is None:
                continue
            span = (amount.start("v"), amount.end("v")) if "v" in amount.re.groupindex else None
            start, end = span or (amount.start(), amount.end())
            value = _figure(target.text[start:end])
            if value and validate("amount", value).ok:
                found.append((Decimal(value), record(value, target, start, end), at))
        levels.append(found)
    return levels


def find_total(doc: Document) -> FieldRecord | None:
    """The amount next to the strongest total label, the largest on that level (a total is
    at least its subtotal); checked against what was paid (:func:`_settled_total`). With
    no total label read, what was paid less the change."""
    levels = _labelled_totals(doc)
    chosen = next((max(found, key=lambda item: item[0]) for found in levels if found), None)
    paid = _paid_less_change(doc)
    if chosen is None:
        return paid[1] if paid and validate("amount", paid[1]["value"]).ok else None
    if paid is None or paid[0] == chosen[0] or not _one_slip_apart(paid[0], chosen[0]):
        return chosen[1]
    labelled = [amount for found in levels for amount, _, _ in found]
    return paid[1] if _settled_total(doc, paid, chosen, labelled) else chosen[1]


def _one_slip_apart(first: Decimal, second: Decimal) -> bool:
    """True when two amounts differ by a rounding adjustment (under 0.10) or in one digit,
    as when OCR misreads one digit of one of them."""
    a, b = f"{first:.2f}", f"{second:.2f}"
    if abs(first - second) < Decimal("0.10"):
        return True
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1


_ROUNDING = re.compile(
    r"ROUND\w*\s*(?:ADJ\w*)?\s*:?\s*(?:RM|RH|\$)?\s*[=:]?\s*[-~+]*\s?(?P<v>\d?\s?\.\s?\d{2})(?!\d)",
    re.I,
)
_RATE = re.compile(
    r"(?:GST|TAX|VAT|SST)\D{0,6}?(\d{1,2})\s?%|(\d{1,2})\s?%\s*(?:GST|TAX|VAT|SST)", re.I
)


def _amounts(text: str) -> list[Decimal]:
    out = []
    for match in _LINE_MONEY.finditer(text):
        value = _figure(match.group(0))
        if value:
            out.append(Decimal(value))
    return out


def _support(doc: Document, value: Decimal, own_lines: tuple[int, ...]) -> int:
    """How many independent figures on the page agree with *value* as the total: the same
    figure printed on a line other than *own_lines*, a net amount and its tax on one line
    that add up to it, a tax rate whose share of it is the tax printed on that line."""
    elsewhere = pair = share = False
    for number, line in enumerate(doc.lines):
        amounts = _amounts(line.text)
        if number not in own_lines and value in amounts:
            elsewhere = True
        if any(x + y == value for x, y in zip(amounts, amounts[1:])):
            pair = True
        rate = _RATE.search(line.text)
        if rate and amounts:
            percent = Decimal(rate.group(1) or rate.group(2))
            tax = (value * percent / (100 + percent)).quantize(Decimal("0.01"))
            share = share or tax == amounts[-1]
    return elsewhere + pair + share


def _settled_total(doc: Document, paid: Amount, read: Amount, labelled: list[Decimal]) -> bool:
    """True when what was *paid* (less change) is the total rather than the *read* total it
    differs from by one OCR slip or a rounding: a rounding adjustment printed before the
    payment turns a labelled amount into it (the rounded sum payable; printed after the
    payment it only rounds the change), or more of the page's arithmetic agrees with it
    than with the read total."""
    for line in doc.lines[: paid[2]]:
        for match in _ROUNDING.finditer(line.text):
            adjustment = Decimal(re.sub(r"\s", "", match.group("v")))
            if Decimal(0) < adjustment < Decimal("0.10") and any(
                abs(amount - paid[0]) == adjustment for amount in labelled
            ):
                return True
    return _support(doc, paid[0], (paid[2],)) > _support(doc, read[0], (read[2],))


_PAID = re.compile(r"\b(?:CASH|CREDIT|VISA|MASTER\w*|DEBIT|PAID|PAYMENT|TENDERED|NETS)\b", re.I)
_CHANGE = re.compile(r"\bCHANGE\b", re.I)


def _labelled_amount(doc: Document, label: re.Pattern) -> Amount | None:
    """The first amount printed after *label*: (amount, record, number of its line)."""
    for number, line in enumerate(doc.lines):
        match = label.search(line.text)
        amount = _amount_after(line.text, match.end()) if match else None
        value = _figure(amount.group(0)) if amount else None
        if value:
            return Decimal(value), record(value, line, amount.start(), amount.end()), number
    return None


def _paid_less_change(doc: Document) -> Amount | None:
    """What was paid (cash, card) less the change given, with the paid line's number."""
    paid = _labelled_amount(doc, _PAID)
    if paid is None:
        return None
    change = _labelled_amount(doc, _CHANGE)
    if change and Decimal(0) < change[0] < paid[0]:
        value = paid[0] - change[0]
        return value, dict(paid[1], value=f"{value:.2f}"), paid[2]
    return paid


def amount_in_words(doc: Document) -> FieldRecord | None:
    """The amount written in Chinese capitals (价税合计 大写 壹万贰仟叁佰元整) as a figure."""
    for line, match in doc.search(_WORDS):
        value = chinese_amount_to_decimal(match.group(0))
        if value is not None and value > 0:
            return record(f"{value:.2f}", line, match.start(), match.end())
    return None


def cross_check_total(doc: Document, total: FieldRecord | None) -> FieldRecord | None:
    """Confirm the figures with the amount in words: with no figure, or figures that
    disagree with words that some figure on the page confirms, the words win."""
    words = amount_in_words(doc)
    if words is None:
        return total
    if total is None:
        return words
    if total["value"] == words["value"]:
        return total
    figures = {
        normalize_amount(re.sub(r"\s", "", m.group(0))) for _, m in doc.search(re.compile(MONEY))
    }
    return words if words["value"] in figures else total


def unlabelled_invoice_ids(doc: Document) -> dict[str, FieldRecord]:
    """A Chinese invoice's code (10 or 12 digits) and number (8 or 20 digits) standing alone
    in the top third of its lines, for when their labels were not read."""
    if "发票" not in doc.text:
        return {}
    out: dict[str, FieldRecord] = {}
    top = doc.lines[: max(4, len(doc.lines) // 3)]
    for line in top:
        for match in re.finditer(r"(?<![\d.])(\d{20}|\d{12}|\d{10}|\d{8})(?![\d.])", line.text):
            digits = match.group(1)
            if len(digits) in (10, 12):
                key = "invoice_code"
            elif len(digits) == 8 and normalize_date(digits) is not None:
                continue  # 20260102 is a date, not a number
            else:
                key = "invoice_number"
            out.setdefault(key, record(digits, line, match.start(1), match.end(1)))
    return out
