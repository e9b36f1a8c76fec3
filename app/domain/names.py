"""Names written in two languages in one string ("受理审查 Intake review"), as BPMN element
names are: shown in the reader's language only."""

from __future__ import annotations

import re

from flask_babel import get_locale

_BILINGUAL = re.compile(r"^(?P<zh>[^A-Za-z]*[\u4e00-\u9fff][^A-Za-z]*?)\s+(?P<en>[A-Za-z].*)$")


def localized_name(name: str | None) -> str:
    """A BPMN element name written "中文 English" shown in the current language only."""
    return localized_name_in(name, str(get_locale() or "zh"))


def localized_name_in(name: str | None, locale: str) -> str:
    """`localized_name` in the language `locale` ("zh" or "en")."""
    match = _BILINGUAL.match(name or "")
    if not match:
        return name or ""
    return match.group("en") if locale == "en" else match.group("zh")
