"""Text augmentation: cheap variants of an OCR text that mimic OCR damage.

Drops and substitutes characters, cuts the text to a random window and shuffles
lines, so that a few hundred rendered pages give the classifier thousands of
distinct training texts.
"""

from __future__ import annotations

import random

NOISE_CHARS = "口日曰目田甲申由人入八一二三丨丿、。，：；|/\\()[]-_~.'\"“”0123456789ilIoO"


def augment_text(text: str, rng: random.Random) -> str:
    """One damaged variant of *text* (never longer than about the original)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 3 and rng.random() < 0.4:
        rng.shuffle(lines)
    if len(lines) > 4 and rng.random() < 0.5:
        keep = rng.randint(max(2, len(lines) // 3), len(lines))
        start = rng.randint(0, len(lines) - keep)
        lines = lines[start : start + keep]
    chars = list("\n".join(lines))
    drop = rng.uniform(0.0, 0.25)
    subst = rng.uniform(0.0, 0.12)
    out = []
    for ch in chars:
        roll = rng.random()
        if roll < drop:
            continue
        if roll < drop + subst:
            out.append(rng.choice(NOISE_CHARS))
            continue
        out.append(ch)
    return "".join(out)
