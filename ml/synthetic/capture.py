"""Capture simulation: turn a clean rendered page into a scan or a phone photo.

"clean" leaves the page alone; "scan" adds slight rotation, grey paper, noise, blur and
JPEG artefacts; "photo" places the document on a background with perspective,
uneven lighting, blur, noise and stronger JPEG compression.
"""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

CAPTURES = ("clean", "scan", "photo")


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _noise(image: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    arr = np.asarray(image, dtype=np.float32)
    gen = np.random.default_rng(rng.getrandbits(32))
    arr = arr + gen.normal(0.0, sigma, arr.shape[:2])[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _lighting(image: Image.Image, rng: random.Random, depth: float) -> Image.Image:
    """Multiply by a linear light gradient in a random direction."""
    w, h = image.size
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (gx / w) * np.cos(angle) + (gy / h) * np.sin(angle)
    ramp = (ramp - ramp.min()) / max(1e-6, float(ramp.max() - ramp.min()))
    factor = 1.0 - depth * ramp
    arr = np.asarray(image, dtype=np.float32) * factor[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _perspective_coeffs(
    src: list[tuple[float, float]], dst: list[tuple[float, float]]
) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) mapping output *dst* to input *src*."""
    rows = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=np.float64)
    b = np.array([c for pt in src for c in pt], dtype=np.float64)
    return list(np.linalg.solve(a, b))


def _background(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A desk-like background: a flat colour with a soft texture."""
    base = np.array([rng.randint(40, 200) for _ in range(3)], dtype=np.float32)
    gen = np.random.default_rng(rng.getrandbits(32))
    small = gen.normal(0, 18, (size[1] // 16 + 1, size[0] // 16 + 1, 1)).astype(np.float32)
    tex = Image.fromarray(np.clip(small[..., 0] + 128, 0, 255).astype(np.uint8)).resize(
        size, Image.BILINEAR
    )
    arr = base[None, None, :] + (np.asarray(tex, dtype=np.float32)[..., None] - 128)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def scan(image: Image.Image, rng: random.Random) -> Image.Image:
    """Flatbed-scan look: greyish paper, small skew, mild blur and noise, JPEG."""
    img = ImageEnhance.Brightness(image).enhance(rng.uniform(0.88, 1.02))
    img = ImageEnhance.Contrast(img).enhance(rng.uniform(0.8, 1.1))
    if rng.random() < 0.5:
        img = img.convert("L").convert("RGB")
    img = img.rotate(
        rng.uniform(-2.0, 2.0), resample=Image.BICUBIC, expand=True, fillcolor=(250, 250, 250)
    )
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 0.9)))
    img = _noise(img, rng, rng.uniform(2, 8))
    return _jpeg(img, rng.randint(45, 85))


def photo(image: Image.Image, rng: random.Random) -> Image.Image:
    """Phone-photo look: document on a background, perspective, lighting, blur, JPEG."""
    w, h = image.size
    margin = int(max(w, h) * rng.uniform(0.04, 0.12))
    out_w, out_h = w + 2 * margin, h + 2 * margin
    jitter = 0.05 * min(w, h)
    corners = [
        (margin, margin),
        (margin + w, margin),
        (margin + w, margin + h),
        (margin, margin + h),
    ]
    dst = [(x + rng.uniform(-jitter, jitter), y + rng.uniform(-jitter, jitter)) for x, y in corners]
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    coeffs = _perspective_coeffs(src, dst)
    warped = image.convert("RGBA").transform(
        (out_w, out_h), Image.PERSPECTIVE, coeffs, Image.BICUBIC
    )
    canvas = _background((out_w, out_h), rng).convert("RGBA")
    canvas.alpha_composite(warped)
    img = canvas.convert("RGB").rotate(
        rng.uniform(-4.0, 4.0),
        resample=Image.BICUBIC,
        expand=False,
        fillcolor=tuple(rng.randint(40, 200) for _ in range(3)),
    )
    img = _lighting(img, rng, rng.uniform(0.1, 0.4))
    img = ImageEnhance.Color(img).enhance(rng.uniform(0.7, 1.2))
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.3)))
    img = _noise(img, rng, rng.uniform(3, 10))
    return _jpeg(img, rng.randint(35, 80))


def apply_capture(image: Image.Image, capture: str, rng: random.Random) -> Image.Image:
    """Apply the named capture simulation ("clean", "scan" or "photo")."""
    if capture == "clean":
        return image
    if capture == "scan":
        return scan(image, rng)
    if capture == "photo":
        return photo(image, rng)
    raise ValueError(f"unknown capture {capture!r}; expected one of {CAPTURES}")
