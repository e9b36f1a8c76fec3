"""Synthetic Chinese government documents for training and testing the classifier.

``render(doc_type, rng)`` draws one document of the given type with realistic field
values (valid ID and credit-code check characters) and returns the image together
with the ground-truth fields (keys from :data:`ml.doctypes.FIELDS`).  Fonts come from
:data:`FONTS_TRAIN` or :data:`FONTS_HELDOUT` (disjoint); ``layouts="heldout"`` uses
layout variants that training never sees.  ``python -m ml synth`` writes a data set.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from PIL import Image

from ml.doctypes import DOC_TYPES
from ml.synthetic.capture import CAPTURES, apply_capture
from ml.synthetic.cards import (
    render_household_register,
    render_id_card_back,
    render_id_card_front,
    render_passport,
)
from ml.synthetic.fonts import FONTS_HELDOUT, FONTS_TRAIN
from ml.synthetic.invoices import render_invoice
from ml.synthetic.other import render_other
from ml.synthetic.paper import (
    render_business_license,
    render_degree_certificate,
    render_employment_certificate,
    render_lease_contract,
)

# doc_type -> (layout function, number of layout variants; the last one is held out).
LAYOUTS: dict[str, tuple[Callable, int]] = {
    "id_card_front": (render_id_card_front, 3),
    "id_card_back": (render_id_card_back, 3),
    "business_license": (render_business_license, 3),
    "household_register": (render_household_register, 3),
    "lease_contract": (render_lease_contract, 3),
    "employment_certificate": (render_employment_certificate, 3),
    "degree_certificate": (render_degree_certificate, 3),
    "invoice": (render_invoice, 3),
    "passport": (render_passport, 3),
    "other": (render_other, 4),
}
LAYOUT_SETS = ("train", "heldout", "any")

__all__ = [
    "render",
    "FONTS_TRAIN",
    "FONTS_HELDOUT",
    "CAPTURES",
    "LAYOUTS",
    "layout_variants",
    "cli_main",
]


def layout_variants(doc_type: str, layouts: str = "train") -> list[int]:
    """Variant numbers of *doc_type* allowed for the layout set ("train", "heldout" or "any")."""
    count = LAYOUTS[doc_type][1]
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
    if doc_type not in DOC_TYPES:
        raise ValueError(f"unknown doc_type {doc_type!r}")
    if capture not in CAPTURES:
        raise ValueError(f"unknown capture {capture!r}; expected one of {CAPTURES}")
    if fonts is None:
        fonts = FONTS_HELDOUT if layouts == "heldout" else FONTS_TRAIN
    if not fonts:
        raise RuntimeError("no CJK fonts found; install fonts-noto-cjk")
    func, _ = LAYOUTS[doc_type]
    variant = rng.choice(layout_variants(doc_type, layouts))
    image, fields = func(rng, list(fonts), variant)
    return apply_capture(image.convert("RGB"), capture, rng), fields


def cli_main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m ml synth`` (see :mod:`ml.synthetic.cli`)."""
    from ml.synthetic.cli import main

    return main(argv)
