"""Names written in two languages in one string ("受理审查 Intake review"), as BPMN element
names are: shown in the reader's language only."""

from __future__ import annotations

import re

from flask_babel import get_locale

_BILINGUAL = re.compile(r"^(?P<zh>[^A-Za-z]*[\u4e00-\u9fff][^A-Za-z]*?)\s+(?P<en>[A-Za-z].*)$")


def localized_name(name: str | None) -> str:
    """A BPMN element name written "中文 English" shown in the current language only."""
    match = _BILINGUAL.match(name or "")
    if not match:
        return name or ""
    return match.group("en") if str(get_locale() or "zh") == "en" else match.group("zh")
