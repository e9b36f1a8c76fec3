"""Synthetic Chinese government documents for training and testing the classifier.

``render(doc_type, rng)`` draws one document of the given type with realistic field
values (valid ID and credit-code check characters) and returns the image together
with the ground-truth fields (keys from :data:`ml.doctypes.FIELDS`); each type names its
layout generator and variant count in its module of :mod:`ml.doctypes`.  Fonts come from
:data:`FONTS_TRAIN` or :data:`FONTS_HELDOUT` (disjoint); ``layouts="heldout"`` uses
layout variants that training never sees.  ``python -m ml synth`` writes a data set
(:mod:`ml.synthetic.cli`).
"""

from __future__ import annotations

import random

from PIL import Image

from ml.doctypes import SyntheticLayout, all_types, find, resolve
from ml.synthetic.capture import CAPTURES, apply_capture
from ml.synthetic.fonts import FONTS_HELDOUT, FONTS_TRAIN

LAYOUT_SETS = ("train", "heldout", "any")

__all__ = [
    "render",
    "FONTS_TRAIN",
    "FONTS_HELDOUT",
    "CAPTURES",
    "layout_of",
    "synthetic_types",
    "layout_variants",
]


def synthetic_types() -> tuple[str, ...]:
    """Codes of the registered types that have a synthetic generator, in registry order."""
    return tuple(spec.code for spec in all_types() if spec.synthetic is not None)


def layout_of(doc_type: str) -> SyntheticLayout:
    """The synthetic layout *doc_type* declares (:mod:`ml.doctypes`); ValueError when the
    type is unknown or has no generator."""
    spec = find(doc_type)
    if spec is None:
        raise ValueError(f"unknown doc_type {doc_type!r}")
    if spec.synthetic is None:
        raise ValueError(f"doc_type {doc_type!r} has no synthetic generator")
    return spec.synthetic


def layout_variants(doc_type: str, layouts: str = "train") -> list[int]:
    """Variant numbers of *doc_type* allowed for the layout set ("train", "heldout" or "any")."""
    count = layout_of(doc_type).variants
    if layouts == "train":
        return list(range(count - 1))
    if layouts == "heldout":
        return [count - 1]
    if layouts == "any":
        return list(range(count))
    raise ValueError(f"unknown layout set {layouts!r}; expected one of {LAYOUT_SETS}")


def render(
    doc_type: str,
    rng: random.Random,
    *,
    fonts: list[str] | None = None,
    capture: str = "clean",
    layouts: str = "train",
) -> tuple[Image.Image, dict]:
    """Render one synthetic document of *doc_type*.

    Returns (RGB image, fields) where fields uses the keys of ``ml.doctypes.FIELDS``
    (receipts omit ``invoice_code``; "other" has none).  *fonts* defaults to
    FONTS_TRAIN (FONTS_HELDOUT when ``layouts="heldout"``); *capture* is "clean", "scan"
    or "photo"; *layouts* picks the layout variants ("train", "heldout" or "any").
    """
    layout = layout_of(doc_type)
    if capture not in CAPTURES:
        raise ValueError(f"unknown capture {capture!r}; expected one of {CAPTURES}")
    if fonts is None:
        fonts = FONTS_HELDOUT if layouts == "heldout" else FONTS_TRAIN
    if not fonts:
        raise RuntimeError("no CJK fonts found; install fonts-noto-cjk")
    variant = rng.choice(layout_variants(doc_type, layouts))
    image, fields = resolve(layout.generator)(rng, list(fonts), variant)
    return apply_capture(image.convert("RGB"), capture, rng), fields
