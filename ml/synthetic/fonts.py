"""Font discovery for synthetic documents: disjoint training and held-out font lists.

Fonts are file paths.  A font file is either in :data:`FONTS_TRAIN` or in
:data:`FONTS_HELDOUT`, never both, so that the held-out set measures how the
classifier copes with typefaces it never saw.  Extra Debian packages widen the
choice (fonts-arphic-ukai, fonts-arphic-uming, fonts-wqy-microhei,
fonts-noto-cjk-extra); with only the base fonts both lists still get one font.
"""

from __future__ import annotations

import functools
import os

from PIL import ImageFont

_NOTO = "/usr/share/fonts/opentype/noto/"
_TRAIN_CANDIDATES = [
    _NOTO + "NotoSansCJK-Regular.ttc",
    _NOTO + "NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    _NOTO + "NotoSansCJK-Medium.ttc",
    _NOTO + "NotoSansCJK-Light.ttc",
    _NOTO + "NotoSerifCJK-SemiBold.ttc",
    _NOTO + "NotoSerifCJK-Light.ttc",
]
_HELDOUT_CANDIDATES = [
    _NOTO + "NotoSansCJK-Bold.ttc",
    _NOTO + "NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    _NOTO + "NotoSansCJK-DemiLight.ttc",
    _NOTO + "NotoSerifCJK-Medium.ttc",
]
_MONO_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf",
    _NOTO + "NotoSansCJK-Regular.ttc",
]

FONTS_TRAIN: list[str] = [p for p in _TRAIN_CANDIDATES if os.path.exists(p)]
FONTS_HELDOUT: list[str] = [p for p in _HELDOUT_CANDIDATES if os.path.exists(p)]
MONO_FONTS: list[str] = [p for p in _MONO_CANDIDATES if os.path.exists(p)]


@functools.cache
def _face_index(path: str) -> int:
    """Index of the Simplified Chinese face inside a .ttc collection (0 otherwise)."""
    if not path.endswith(".ttc"):
        return 0
    for index in range(12):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0]
        except OSError:
            break
        if family.endswith(" SC"):
            return index
    return 0


@functools.lru_cache(maxsize=512)
def load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """Load *path* at pixel *size*, picking the SC face of CJK collections."""
    return ImageFont.truetype(path, max(6, int(size)), index=_face_index(path))
