"""The CJK TrueType font the product's PDFs (written notices, e-certificates) embed.

ReportLab embeds TrueType outlines only (Noto CJK's PostScript/CFF outlines cannot be used),
so the font is looked for at run time: the configured file if a setting names one, else the
Debian fonts the Makefile installs. Each kind of document registers it under its own name,
so a notice and a certificate may be configured with different files.
"""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

# (path, index of the font inside a .ttc collection), in the order they are tried.
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei (Makefile)
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # fonts-arphic-uming
)
INSTALL_HINT = (
    "no CJK TrueType font for {what}: install the Debian package fonts-wqy-zenhei "
    "(apt-get install fonts-wqy-zenhei, as `make run` does) or set {setting} to a .ttf/.ttc "
    "file with TrueType outlines (tried: {tried})"
)

_lock = threading.Lock()
_registered: dict[str, str] = {}  # font name -> the file it was registered from


class CjkFontMissing(RuntimeError):
    """No usable CJK TrueType font was found: the document cannot be written."""


def find_font(
    font_name: str,
    configured: str | None = None,
    candidates=FONT_CANDIDATES,
    *,
    what: str = "PDF documents",
    setting: str = "the font setting",
) -> tuple[TTFont, str]:
    """The first usable CJK TrueType font: `configured` alone if given, else `candidates`.
    Returns (font, path); CjkFontMissing says what to install (or set) when none can be used."""
    tried = []
    for path, index in [(configured, 0)] if configured else list(candidates):
        tried.append(path)
        if not Path(path).is_file():
            continue
        try:
            return TTFont(font_name, path, subfontIndex=index), path
        except TTFError:  # e.g. PostScript (CFF) outlines, as Noto CJK has
            continue
    raise CjkFontMissing(INSTALL_HINT.format(what=what, setting=setting, tried=", ".join(tried)))


def ensure_font(font_name: str, configured: str | None = None, **hint) -> str:
    """Register `font_name` once per process; returns the file it came from."""
    with _lock:
        if font_name not in _registered:
            font, path = find_font(font_name, configured, **hint)
            pdfmetrics.registerFont(font)
            _registered[font_name] = path
        return _registered[font_name]
