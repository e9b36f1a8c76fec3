"""Field validators: check digits, date and amount plausibility, expiry, formats.

Validators live in a small registry.  Each one is a plain function registered by name
and screen label (an English msgid marked for Babel, translated by the app) with
:func:`register`; it takes the (normalised) field value plus keyword context such
as ``today`` and returns a :class:`CheckResult`.  :func:`validate` runs one by name and
never raises on bad input: garbage in gives ``ok=False`` with a human-readable detail.

Facts (GB 11643 resident ID, GB 32100 unified social credit code, ICAO 9303 MRZ)
are from the standards themselves; the document types name the validator each of their
fields is checked with (:mod:`ml.doctypes`).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = [
    "CheckResult",
    "register",
    "validate",
    "VALIDATORS",
    "VALIDATOR_LABELS",
    "resident_id_check_char",
    "uscc_check_char",
    "mrz_check_digit",
    "birth_date_from_id",
    "sex_from_id",
]


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one validator: ``ok`` plus a short explanation in ``detail``."""

    name: str
    ok: bool
    detail: str = ""


Validator = Callable[..., CheckResult]
VALIDATORS: dict[str, Validator] = {}
VALIDATOR_LABELS: dict[str, str] = {}  # name -> English msgid shown to clerks


def N_(message: str) -> str:  # noqa: N802 - the conventional name Babel extracts by default
    """Mark *message* as an English msgid for Babel without translating it here."""
    return message


def register(name: str, label: str) -> Callable[[Validator], Validator]:
    """Decorator registering a validator function under *name* with its screen *label*."""

    def decorator(func: Validator) -> Validator:
        if name in VALIDATORS:
            raise ValueError(f"validator {name!r} already registered")
        VALIDATORS[name] = func
        VALIDATOR_LABELS[name] = label
        return func

    return decorator


def validate(name: str, value: object, **context: object) -> CheckResult:
    """Run the validator *name* on *value*; unknown names raise ``KeyError``.

    Context keywords (``today``, ``min_year`` ...) are passed to validators that use them.
    A validator that crashes on odd input is reported as a failed check, not raised.
    """
    func = VALIDATORS[name]
    try:
        return func(value, **context)
    except (TypeError, ValueError, InvalidOperation) as exc:
        return CheckResult(name, False, f"cannot check {value!r}: {exc}")


def _today(context_today: object) -> _dt.date:
    if isinstance(context_today, _dt.datetime):
        return context_today.date()
    if isinstance(context_today, _dt.date):
        return context_today
    if isinstance(context_today, str):
        return _dt.date.fromisoformat(context_today)
    return _dt.date.today()


def _parse_iso(value: object) -> _dt.date:
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value).strip())


# --- GB 11643 resident identity number -------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^[1-9]\d{16}[\dX]$")
# First digit of the administrative division code (GB/T 2260 regions 1-6, 7 Taiwan, 8 HK/MO).
_ID_REGIONS = set("12345678")


def resident_id_check_char(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits of an ID number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def birth_date_from_id(id_number: str) -> _dt.date:
    """Return the birth date encoded in digits 7-14 of an 18-digit ID number."""
    return _dt.datetime.strptime(id_number[6:14], "%Y%m%d").date()


def sex_from_id(id_number: str) -> str:
    """Return "男" or "女" from the parity of digit 17 of an ID number."""
    return "男" if int(id_number[16]) % 2 else "女"


@register("resident_id", label=N_("ID check digit"))
def check_resident_id(value: object, *, today: object = None, **_: object) -> CheckResult:
    """GB 11643: 18 characters, plausible region and birth date, valid check character."""
    text = str(value or "").strip().upper()
    if not _ID_RE.match(text):
        return CheckResult("resident_id", False, "not 17 digits + check character")
    if text[0] not in _ID_REGIONS:
        return CheckResult("resident_id", False, f"region code {text[:2]} is not valid")
    try:
        born = birth_date_from_id(text)
    except ValueError:
        return CheckResult("resident_id", False, f"birth date {text[6:14]} does not exist")
    if born.year < 1900 or born > _today(today):
        return CheckResult("resident_id", False, f"birth date {born} is not plausible")
    expected = resident_id_check_char(text[:17])
    if expected != text[17]:
        return CheckResult(
            "resident_id", False, f"check character is {text[17]}, expected {expected}"
        )
    return CheckResult("resident_id", True, "check character valid")


# --- GB 32100 unified social credit code -----------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{18}$")


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters of a credit code."""
    if len(first17) != 17:
        raise ValueError("need exactly 17 characters")
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


@register("credit_code", label=N_("credit code check character"))
def check_credit_code(value: object, **_: object) -> CheckResult:
    """GB 32100: 18 characters from the 31-symbol alphabet, digits 3-8 an administrative
    division code, and a valid check character."""
    text = str(value or "").strip().upper()
    if not _USCC_RE.match(text):
        return CheckResult("credit_code", False, "not 18 characters of the GB 32100 alphabet")
    if not text[2:8].isdigit():
        return CheckResult("credit_code", False, f"region code {text[2:8]} is not 6 digits")
    expected = uscc_check_char(text[:17])
    if expected != text[17]:
        return CheckResult(
            "credit_code", False, f"check character is {text[17]}, expected {expected}"
        )
    return CheckResult("credit_code", True, "check character valid")


# --- dates, expiry, amounts ------------------------------------------------------------


@register("date", label=N_("valid date"))
def check_date(
    value: object,
    *,
    today: object = None,
    min_year: int = 1900,
    future_years: int = 0,
    **_: object,
) -> CheckResult:
    """An ISO date that exists, is not before *min_year* and not after today
    (plus *future_years*, for documents that are valid into the future)."""
    day = _parse_iso(value)
    now = _today(today)
    if day.year < min_year:
        return CheckResult("date", False, f"{day} is before {min_year}")
    limit = now.replace(year=now.year + future_years) if future_years else now
    if day > limit:
        return CheckResult("date", False, f"{day} is in the future")
    return CheckResult("date", True, f"{day} is plausible")


@register("not_expired", label=N_("not expired"))
def check_not_expired(value: object, *, today: object = None, **_: object) -> CheckResult:
    """A validity end date (ISO or "长期" for no expiry) that is not before today."""
    text = str(value or "").strip()
    if text in {"长期", "long-term", "permanent"}:
        return CheckResult("not_expired", True, "valid without end date")
    day = _parse_iso(text)
    now = _today(today)
    if day < now:
        return CheckResult("not_expired", False, f"expired on {day}")
    return CheckResult("not_expired", True, f"valid until {day}")


@register("amount", label=N_("plausible amount"))
def check_amount(
    value: object, *, minimum: str = "0.01", maximum: str = "100000000", **_: object
) -> CheckResult:
    """A decimal amount with two places between *minimum* and *maximum* (yuan)."""
    text = str(value or "").strip()
    if not re.fullmatch(r"\d+\.\d{2}", text):
        return CheckResult("amount", False, f"{text!r} is not an amount like 3500.00")
    amount = Decimal(text)
    if not Decimal(minimum) <= amount <= Decimal(maximum):
        return CheckResult("amount", False, f"{text} outside {minimum}..{maximum}")
    return CheckResult("amount", True, f"{text} is plausible")


# --- passports (ICAO 9303) --------------------------------------------------------------

# Chinese ordinary passports: E + 8 digits or E + letter + 7 digits (from 2012), older G + 8;
# other countries: 6-9 alphanumerics. We accept the ICAO document-number shape.
_PASSPORT_RE = re.compile(r"^[A-Z0-9]{6,9}$")
_CN_PASSPORT_RE = re.compile(r"^(E[0-9A-HJ-NP-Z]\d{7}|[EGDSP]\d{8})$")


def mrz_check_digit(text: str) -> str:
    """Return the ICAO 9303 check digit (weights 7, 3, 1) of an MRZ field."""
    total = 0
    for i, char in enumerate(text):
        if char.isdigit():
            val = int(char)
        elif "A" <= char <= "Z":
            val = ord(char) - 55
        elif char == "<":
            val = 0
        else:
            raise ValueError(f"invalid MRZ character {char!r}")
        total += val * (7, 3, 1)[i % 3]
    return str(total % 10)


@register("passport_number", label=N_("passport number format"))
def check_passport_number(
    value: object, *, country: str = "", check_digit: str | None = None, **_: object
) -> CheckResult:
    """Passport number shape (Chinese pattern when *country* is CHN) and, when the MRZ
    check digit is given, that it matches."""
    text = str(value or "").strip().upper()
    if not _PASSPORT_RE.match(text) or not any(c.isdigit() for c in text):
        return CheckResult("passport_number", False, f"{text!r} is not a passport number")
    if country.upper() in {"CHN", "CN"} and not _CN_PASSPORT_RE.match(text):
        return CheckResult("passport_number", False, f"{text} does not match CN pattern")
    if check_digit is not None:
        expected = mrz_check_digit(text.ljust(9, "<"))
        if expected != check_digit:
            return CheckResult(
                "passport_number", False, f"MRZ check digit {check_digit}, expected {expected}"
            )
    return CheckResult("passport_number", True, "format valid")


@register("invoice_code", label=N_("invoice code format"))
def check_invoice_code(value: object, **_: object) -> CheckResult:
    """Invoice code: 10 or 12 digits (VAT invoices); empty is allowed for e-invoices."""
    text = str(value or "").strip()
    if re.fullmatch(r"\d{10}|\d{12}", text):
        return CheckResult("invoice_code", True, "format valid")
    return CheckResult("invoice_code", False, f"{text!r} is not 10 or 12 digits")


@register("invoice_number", label=N_("invoice number format"))
def check_invoice_number(value: object, **_: object) -> CheckResult:
    """Invoice number: 8 digits (VAT invoice), 20 digits (fully digital invoice), or the
    6-20 digit serial number of a shop receipt."""
    text = str(value or "").strip()
    if re.fullmatch(r"\d{8}|\d{20}", text):
        return CheckResult("invoice_number", True, "invoice number format valid")
    if re.fullmatch(r"\d{6,20}", text):
        return CheckResult("invoice_number", True, "receipt serial number")
    return CheckResult("invoice_number", False, f"{text!r} is not a 6-20 digit number")
