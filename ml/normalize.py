"""Text normalisation for OCR output and applicant input.

Everything that compares a printed value with a typed one goes through here: width
folding (full-width ＡＢＣ１２３ → ABC123), whitespace, case, OCR look-alike repair in
digit contexts (O→0, I/l→1, Z→2, S→5, B→8), dates in the common Chinese and English
print styles → ISO ``YYYY-MM-DD``, and amounts (``¥3,500.00``, ``叁仟伍佰元整``) →
``"3500.00"``.  Functions return ``None`` when a value cannot be normalised.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

__all__ = [
    "fold_width",
    "squash_spaces",
    "normalize_text",
    "normalize_name",
    "fix_digits",
    "normalize_id_number",
    "normalize_credit_code",
    "normalize_date",
    "normalize_amount",
    "chinese_amount_to_decimal",
]

# Look-alikes that OCR produces where a digit was printed.
_DIGIT_LOOKALIKES = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "I": "1",
        "l": "1",
        "i": "1",
        "|": "1",
        "L": "1",
        "Z": "2",
        "z": "2",
        "S": "5",
        "s": "5",
        "B": "8",
        "G": "6",
        "b": "6",
        "T": "7",
        "g": "9",
        "q": "9",
        "]": "1",
        "[": "1",
        "!": "1",
    }
)
_EXTRA_FOLD = str.maketrans(
    {
        "　": " ",
        "。": ".",
        "，": ",",
        "：": ":",
        "；": ";",
        "（": "(",
        "）": ")",
        "－": "-",
        "—": "-",
        "–": "-",
        "～": "~",
        "＜": "<",
        "﹤": "<",
        "«": "<",
        "〈": "<",
        "×": "X",
        "Ⅹ": "X",
        "х": "x",
        "Х": "X",
    }
)


def fold_width(text: str) -> str:
    """Fold full-width ASCII and CJK punctuation to their half-width forms (NFKC)."""
    return unicodedata.normalize("NFKC", text).translate(_EXTRA_FOLD)


def squash_spaces(text: str) -> str:
    """Collapse runs of whitespace to one space and drop spaces between CJK characters."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])", "", text)


def normalize_text(text: str | None) -> str:
    """Width-fold, squash spaces and upper-case *text* (for loose comparisons)."""
    return squash_spaces(fold_width(text or "")).upper()


def normalize_name(text: str | None) -> str:
    """Canonical form of a person or company name: no spaces, no dots, upper case,
    full-width brackets folded (so 北京某某（集团）有限公司 equals its half-width form)."""
    folded = normalize_text(text)
    return re.sub(r"[\s·•.\-_,'’]", "", folded)


def fix_digits(text: str) -> str:
    """Replace OCR look-alike letters by digits (use only where digits are expected)."""
    return fold_width(text).translate(_DIGIT_LOOKALIKES)


def normalize_id_number(text: str | None) -> str | None:
    """Return an 18-character resident ID (digits + final X) repaired for look-alikes,
    or ``None`` if the input cannot be one."""
    raw = re.sub(r"[\s\-]", "", fold_width(text or ""))
    if len(raw) != 18:
        return None
    body, last = fix_digits(raw[:17]), raw[17].upper()
    if last in {"×", "K", "x", "Χ", "χ"}:
        last = "X"
    elif last != "X":
        last = fix_digits(last)
    candidate = body + last
    return candidate if re.fullmatch(r"\d{17}[\dX]", candidate) else None


_USCC_FIX = str.maketrans({"O": "0", "I": "1", "Z": "2", "S": "5", "V": "U"})


def normalize_credit_code(text: str | None) -> str | None:
    """Return an 18-character unified social credit code (letters not in the GB 32100
    alphabet repaired: O→0, I→1, S→5, Z→2, V→U), or ``None``."""
    raw = re.sub(r"[\s\-]", "", fold_width(text or "")).upper()
    if len(raw) != 18:
        return None
    candidate = raw.translate(_USCC_FIX)
    return candidate if re.fullmatch(r"[0-9A-HJ-NP-RTUW-Y]{18}", candidate) else None


_MONTHS = {
    "JAN": 1,
    "FEB": 2,
    "MAR": 3,
    "APR": 4,
    "MAY": 5,
    "JUN": 6,
    "JUL": 7,
    "AUG": 8,
    "SEP": 9,
    "SEPT": 9,
    "OCT": 10,
    "NOV": 11,
    "DEC": 12,
}
_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "O": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}


def _cn_number(text: str) -> int | None:
    """Chinese numerals as printed in dates: 二〇二一 → 2021, 十二 → 12, 二十五 → 25."""
    if not text or any(c not in _CN_DIGITS for c in text):
        return None
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return int("".join(str(_CN_DIGITS[c]) for c in text))


def _make_date(year: int, month: int, day: int) -> str | None:
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def normalize_date(text: str | None, *, day_first: bool = True) -> str | None:
    """Normalise a printed date to ISO ``YYYY-MM-DD`` or return ``None``.

    Handles 2021年3月5日, 二〇二一年三月五日, 2021.03.05, 2021-3-5, 2021/03/05, 20210305,
    05/03/2021 and 05-03-21 (day first unless *day_first* is False or the month would be
    over 12, as in 12/25/2018), 05 MAR 2021, 05MAR21,
    MAR 5, 2021.
    OCR look-alikes inside the digits are repaired.
    """
    if not text:
        return None
    raw = fold_width(str(text)).strip()
    cn = re.search(
        r"([〇零○O一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月"
        r"([一二三四五六七八九十]{1,3})日",
        raw,
    )
    if cn:
        year, month, day = (_cn_number(g) for g in cn.groups())
        if None not in (year, month, day):
            return _make_date(year, month, day)  # type: ignore[arg-type]
    upper = raw.upper()
    months = "|".join(sorted(_MONTHS, key=len, reverse=True))
    eng = re.search(
        rf"(\d{{1,2}})\s*[-/ .]?\s*({months})[A-Z]*\s*[-/ .,]?\s*(\d{{4}}|\d{{2}})\b", upper
    )
    if eng:
        day, month, year = int(eng.group(1)), _MONTHS[eng.group(2)], int(eng.group(3))
        return _make_date(year if year > 99 else _two_digit_year(year), month, day)
    eng = re.search(rf"\b({months})[A-Z]*\.?\s+(\d{{1,2}}),?\s+(\d{{4}})", upper)
    if eng:
        return _make_date(int(eng.group(3)), _MONTHS[eng.group(1)], int(eng.group(2)))
    digits = fix_digits(raw)
    ymd = re.search(
        r"(\d{4})\s*(?:[年.\-/]|[=:_\-.]{1,2})\s*(\d{1,2})\s*(?:[月.\-/]|[=:_\-.]{1,2})"
        r"\s*(\d{1,2})",
        digits,
    )
    if ymd:
        return _make_date(*(int(g) for g in ymd.groups()))
    dmy = re.search(r"(\d{1,2})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{4})", digits)
    if dmy:
        first, second, year = (int(g) for g in dmy.groups())
        return _day_month(year, first, second, day_first)
    dmy = re.search(r"(?<!\d)(\d{1,2})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{2})(?!\d)", digits)
    if dmy:  # 22-04-16, 19/05/16: two-digit year, day first unless told otherwise
        first, second, year = (int(g) for g in dmy.groups())
        return _day_month(_two_digit_year(year), first, second, day_first)
    compact = re.search(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)", digits)
    if compact:
        return _make_date(*(int(g) for g in compact.groups()))
    return None


def _day_month(year: int, first: int, second: int, day_first: bool) -> str | None:
    """The date of a numeric d/m/y (or m/d/y with *day_first* False); a second number over
    12 that is a valid day means it was printed month first (12/25/2018), and the
    other way round."""
    day, month = (first, second) if day_first else (second, first)
    if month > 12 >= day:
        day, month = month, day
    return _make_date(year, month, day)


def _two_digit_year(year: int) -> int:
    """Expand a two-digit year (MRZ / 05MAR21 style): within 20 years ahead is 20xx."""
    pivot = _dt.date.today().year % 100 + 20
    return 2000 + year if year <= pivot else 1900 + year


_CN_AMOUNT_DIGITS = {
    "零": 0,
    "壹": 1,
    "贰": 2,
    "叁": 3,
    "肆": 4,
    "伍": 5,
    "陆": 6,
    "柒": 7,
    "捌": 8,
    "玖": 9,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_SMALL_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}


def chinese_amount_to_decimal(text: str) -> Decimal | None:
    """Convert an upper-case Chinese amount (叁仟伍佰元整, 壹万贰仟元伍角) to Decimal."""
    body = re.sub(r"[\s人民币:：圆整正]", "", text).replace("圆", "元")
    if not body:
        return None
    yuan_part, _, fraction = body.partition("元")
    total = Decimal(0)
    section, number = 0, 0
    for char in yuan_part:
        if char in _CN_AMOUNT_DIGITS:
            number = _CN_AMOUNT_DIGITS[char]
        elif char in _CN_SMALL_UNITS:
            section += (number or 1) * _CN_SMALL_UNITS[char]
            number = 0
        elif char in _CN_BIG_UNITS:
            total += (section + number) * _CN_BIG_UNITS[char]
            section, number = 0, 0
        else:
            return None
    total += section + number
    jiao = re.search(r"([零壹贰叁肆伍陆柒捌玖一二三四五六七八九])角", fraction)
    fen = re.search(r"([零壹贰叁肆伍陆柒捌玖一二三四五六七八九])分", fraction)
    if jiao:
        total += Decimal(_CN_AMOUNT_DIGITS[jiao.group(1)]) / 10
    if fen:
        total += Decimal(_CN_AMOUNT_DIGITS[fen.group(1)]) / 100
    return total if (yuan_part or jiao or fen) else None


def normalize_amount(text: str | None) -> str | None:
    """Normalise an amount to a string with two decimals ("3500.00") or ``None``.

    Accepts ¥3,500.00, RMB 3500, 3 500,00 is not accepted (ambiguous), 3500元,
    and upper-case Chinese amounts such as 叁仟伍佰元整.
    """
    if text is None:
        return None
    raw = fold_width(str(text)).strip()
    match = re.search(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?", raw.replace(" ", ""))
    if match:
        whole = match.group(1).replace(",", "")
        cents = (match.group(2) or "0").ljust(2, "0")
        try:
            return f"{Decimal(whole + '.' + cents):.2f}"
        except InvalidOperation:
            return None
    if re.search(r"[壹贰叁肆伍陆柒捌玖拾佰仟万亿]", raw):
        value = chinese_amount_to_decimal(raw)
        return f"{value:.2f}" if value is not None else None
    return None
