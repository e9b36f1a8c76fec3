"""How personal data is masked (脱敏): one rule per kind of sensitive value.

A form field says which kind it is with `"sensitive": KIND` in its schema (`forms/*.json`,
checked by the field-type registry); the fields the auto-review reads from documents and
the applicant's account are mapped to the same kinds here (`OCR_FIELD_KINDS`,
`PROFILE_KINDS`), so every screen and every export masks one kind of value the same way:

| kind         | example in          | shown as              |
|--------------|---------------------|-----------------------|
| `id_number`  | 110101199003071234  | 110***********1234    |
| `phone`      | 13812345678         | 138****5678           |
| `address`    | 上海市浦东新区张江路88号 | 上海市浦东新区****       |
| `birth_date` | 1990-03-07          | 1990-**-**            |
| `name`       | 张三丰               | 张*丰                  |
| `account`    | 6222020200112233    | ************2233      |

`mask_text` masks free text (the OCR'd text of a document, the auto-review's messages): ID
and mobile numbers wherever they stand, and every value the case is known to hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "*"
HIDDEN = "****"  # what stands for a part whose length is not shown

# The auto-review's field names (ml.doctypes) that hold personal data, and their kinds.
OCR_FIELD_KINDS = {
    "id_number": "id_number",
    "passport_number": "id_number",
    "birth_date": "birth_date",
    "address": "address",
    "name": "name",
    "surname": "name",
    "given_names": "name",
    "lessee": "name",
    "lessor": "name",
    "legal_rep": "name",
    "phone": "phone",
    "mobile": "phone",
}
# The applicant's account (`User`) as clerks see it.
PROFILE_KINDS = {"real_name": "name", "id_number": "id_number", "mobile": "phone"}


def _id_number(value: str) -> str:
    if len(value) > 7:
        return value[:3] + MASK * (len(value) - 7) + value[-4:]
    return value[:1] + MASK * (len(value) - 1)


def _phone(value: str) -> str:
    digits = value.replace(" ", "").replace("-", "")
    if len(digits) == 11:
        return digits[:3] + MASK * 4 + digits[-4:]
    if len(digits) > 4:
        return MASK * (len(digits) - 4) + digits[-4:]
    return MASK * len(digits)


# The district (区/县/旗, not the 区 of 自治区) or, failing one, the city: what an address keeps.
_DISTRICT = re.compile(r"^.*?(?:(?<!自治)区|县|旗)")
_CITY = re.compile(r"^.*?市")


def _address(value: str) -> str:
    for pattern in (_DISTRICT, _CITY):
        found = pattern.match(value)
        if found and found.end() < len(value):
            return found.group(0) + HIDDEN
    if "," in value:  # "88 Zhangjiang Rd, Pudong, Shanghai": the first part is the street
        return HIDDEN + value[value.index(",") :]
    return HIDDEN


_YEAR = re.compile(r"^\s*(\d{4})")


def _birth_date(value: str) -> str:
    found = _YEAR.match(value)
    return f"{found.group(1)}-**-**" if found else HIDDEN


def _name(value: str) -> str:
    if len(value) <= 1:
        return MASK * len(value)
    if len(value) == 2:
        return value[0] + MASK
    return value[0] + MASK * (len(value) - 2) + value[-1]


def _account(value: str) -> str:
    if len(value) > 4:
        return MASK * (len(value) - 4) + value[-4:]
    return MASK * len(value)


RULES = {
    "id_number": _id_number,
    "phone": _phone,
    "address": _address,
    "birth_date": _birth_date,
    "name": _name,
    "account": _account,
}
KINDS = frozenset(RULES)


def mask(value, kind: str | None) -> str:
    """`value` as shown masked (kind None: as it is). Empty values stay empty."""
    if value is None or value == "":
        return "" if value is None else value
    text = str(value).strip()
    if kind is None:
        return text
    return RULES[kind](text)


# ID numbers (18 or 15 characters) and mainland mobile numbers standing alone in free text.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")


def mask_text(text: str | None, known: Iterable[tuple[str, str]] = ()) -> str:
    """Free text with ID and mobile numbers masked, and each (value, kind) in `known` (the
    values the case holds) replaced by its masked form wherever it appears."""
    if not text:
        return text or ""
    text = str(text)
    pairs = sorted(
        {(str(v).strip(), k) for v, k in known if v and len(str(v).strip()) >= 2},
        key=lambda pair: -len(pair[0]),
    )
    for value, kind in pairs:
        text = text.replace(value, mask(value, kind))
    text = _ID_IN_TEXT.sub(lambda m: _id_number(m.group(1)), text)
    return _MOBILE_IN_TEXT.sub(lambda m: _phone(m.group(1)), text)
