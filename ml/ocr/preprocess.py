"""Image preprocessing before OCR: greyscale, rescale to a sane line height, deskew,
optional binarisation, and right-angle rotation.

Everything here is numpy + Pillow and costs a few milliseconds per page, so it stays
well inside the OCR time budget. The line height is estimated from the horizontal ink
profile; the skew angle from the sharpness of that profile over small rotations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage  # imported here, not per call: forked OCR workers inherit it loaded

TARGET_LINE_HEIGHT = 28.0  # pixels of ink per text line after rescaling
MIN_LINE_HEIGHT, MAX_LINE_HEIGHT = 12.0, 60.0  # leave alone inside this band (tesseract reads
# 12-60 px lines well; upscaling costs OCR time roughly in proportion to the pixels)
MAX_SCALE, MIN_SCALE = 3.0, 0.2
MAX_SIDE = 5000  # never hand tesseract anything larger on either side
MIN_SIDE_AFTER_SHRINK = 1000  # a downscale never takes the longer side below this: a
# wrong line-height estimate must not shrink a page until nothing is legible
MAX_SKEW_DEGREES = 6.0
ANALYSIS_MAX_SIDE = 1000  # line height, skew and rulings are measured on a copy reduced to
# at most this many pixels a side: they need no more, and every step costs per pixel
SEAL_MIN_REDNESS = 30  # red minus max(green, blue) of seal ink, at least
SEAL_TEXT_GAP = 30  # red-channel drop that marks text printed under a seal
RULE_MAX_HALF_THICKNESS = 6  # a "rule" thicker than 2*6+1 px is a dark area, not a line
MIN_INK_DEPTH = 20  # grey levels below the local paper before a pixel counts as ink


@dataclass
class Prepared:
    """A preprocessed page and how it maps back to the input frame."""

    image: Image.Image
    scale: float  # preprocessed pixels per input pixel
    skew: float  # degrees the page was rotated to straighten it
    line_height: float | None  # estimated ink line height in input pixels


def to_gray(image: Image.Image) -> Image.Image:
    """Greyscale copy of any PIL image; transparency is flattened onto white."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(image, dtype=np.float64)
        span = max(arr.max() - arr.min(), 1.0)
        return Image.fromarray(((arr - arr.min()) * 255.0 / span).astype(np.uint8), "L")
    if image.mode == "F":
        arr = np.asarray(image, dtype=np.float64)
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    return image.convert("L") if image.mode != "L" else image


def red_ink(rgb: np.ndarray, strength: float = 1.0) -> np.ndarray:
    """Mask of red-ink pixels: red clearly above green and blue, in absolute grey levels
    and relative to the red level (so seals in a dim, washed-out photo still count).
    *strength* below 1 loosens both limits (for the fringe of a seal already found)."""
    rgb = rgb.astype(np.int16)
    red = rgb[..., 0]
    excess = red - np.maximum(rgb[..., 1], rgb[..., 2])
    return (excess > SEAL_MIN_REDNESS * strength) & (excess > 0.25 * strength * red) & (red > 60)


def _has_ring(red: np.ndarray) -> bool:
    """True when red ink runs nearly all the way round an ellipse inscribed in the box
    and the middle is mostly empty (a seal's border around a star or a few glyphs); a
    big red title character touches that ellipse only here and there and is dense."""

    h, w = red.shape
    yy, xx = np.mgrid[0:h, 0:w]
    inner = ((yy - (h - 1) / 2) / (h / 2)) ** 2 + ((xx - (w - 1) / 2) / (w / 2)) ** 2 < 0.25
    if red[inner].mean() > 0.3:
        return False
    red = ndimage.binary_dilation(red, iterations=1)
    angles = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    for fraction in (1.0, 0.95, 0.9, 0.85):
        ys = np.clip(((h - 1) / 2 * (1 + fraction * np.sin(angles))).round().astype(int), 0, h - 1)
        xs = np.clip(((w - 1) / 2 * (1 + fraction * np.cos(angles))).round().astype(int), 0, w - 1)
        if red[ys, xs].mean() >= 0.8:
            return True
    return False


def _join_seal_parts(red: np.ndarray) -> np.ndarray:
    """Red ink closed so that a seal's ring, star and ring text form one region: a binary
    closing by a 5x5 square twice over, i.e. by a 9x9 square with the outside as no ink,
    written as separable max/min filters (scipy's binary closing is several times slower)."""
    grown = ndimage.maximum_filter(red.astype(np.uint8), size=9, mode="constant", cval=0)
    return ndimage.minimum_filter(grown, size=9, mode="constant", cval=0).astype(bool)


def find_seals(image: Image.Image) -> list[tuple[int, int, int, int]]:
    """Boxes (left, top, right, bottom) of red round seals (stamps) on a colour page.

    Red ink is found on a reduced copy; red regions whose box is roughly square, big
    enough for a seal and ringed by red ink count as seals. Red titles and red text
    are left alone (wide lines, or square glyphs without a ring).
    """
    if image.mode not in ("RGB", "RGBA"):
        return []
    width, height = image.size
    factor = max(1, int(max(width, height) // 400))
    small = np.asarray((image if image.mode == "RGB" else image.convert("RGB")).reduce(factor))
    red = red_ink(small)
    if red.mean() < 0.0005:
        return []

    joined = _join_seal_parts(red)
    labels, _ = ndimage.label(joined)
    min_side = max(12, int(min(small.shape[:2]) * 0.05))
    max_side = int(min(small.shape[:2]) * 0.6)  # larger: a red desk or cover, not a seal
    boxes = []
    for region in ndimage.find_objects(labels):
        if region is None:
            continue
        rows, cols = region
        h, w = rows.stop - rows.start, cols.stop - cols.start
        if min(h, w) < min_side or max(h, w) > max_side or not 0.6 <= w / h <= 1.67:
            continue
        if red[region].mean() > 0.6 or not _has_ring(red[region]):  # a red block or glyph
            continue
        pad = 2
        boxes.append(
            (
                max(0, (cols.start - pad) * factor),
                max(0, (rows.start - pad) * factor),
                min(width, (cols.stop + pad) * factor),
                min(height, (rows.stop + pad) * factor),
            )
        )
    # A seal's star is a region of its own inside the ring: keep the outer box only.
    return [
        box
        for box in boxes
        if not any(
            other != box
            and other[0] <= box[0]
            and other[1] <= box[1]
            and other[2] >= box[2]
            and other[3] >= box[3]
            for other in boxes
        )
    ]


def gray_without_seals(image: Image.Image) -> Image.Image:
    """Greyscale page with red seals turned into paper, keeping dark text under them.

    In grey a red seal is as dark as text, so tesseract reads the ring as noise and
    loses the date or name printed under it. Inside each seal box, red pixels whose red
    channel is still bright (seal ink over paper) become the local paper shade; red
    pixels that are dark even in the red channel are text under the ink and keep their
    grey value. Non-colour images are simply converted to grey.
    """
    gray = to_gray(image)
    boxes = find_seals(image)
    if not boxes:
        return gray

    out = np.array(gray)
    rgb_all = image.convert("RGB")
    for left, top, right, bottom in boxes:
        rgb = np.asarray(rgb_all.crop((left, top, right, bottom)))
        patch = out[top:bottom, left:right]
        red = red_ink(rgb, 0.5)
        if not red.any():
            continue
        red = ndimage.binary_dilation(red, iterations=1)  # the anti-aliased fringe too
        paper = float(np.percentile(patch[~red], 90)) if (~red).any() else 255.0
        seal_red = float(np.median(rgb[..., 0][red]))  # red channel of seal ink over paper
        under = rgb[..., 0].astype(np.int16) < seal_red - SEAL_TEXT_GAP
        patch[red & ~under] = int(paper)
        out[top:bottom, left:right] = patch
    return Image.fromarray(out, "L")


def _histogram(gray: np.ndarray) -> np.ndarray:
    """Counts of the 256 grey levels of a uint8 array (Pillow's histogram is several times
    quicker than numpy's bincount, which first widens every pixel to 64 bits)."""
    if gray.dtype == np.uint8 and gray.ndim == 2 and gray.size:
        image = Image.fromarray(np.ascontiguousarray(gray), "L")
        return np.asarray(image.histogram(), dtype=np.float64)
    return np.bincount(np.asarray(gray, dtype=np.uint8).ravel(), minlength=256).astype(np.float64)


def otsu_threshold(gray: np.ndarray) -> int:
    """Otsu's global threshold of a uint8 array."""
    hist = _histogram(gray)
    total = hist.sum()
    if total == 0:
        return 128
    levels = np.arange(256, dtype=np.float64)
    weight_bg = np.cumsum(hist)
    weight_fg = total - weight_bg
    mean_cum = np.cumsum(hist * levels)
    mean_bg = mean_cum / np.maximum(weight_bg, 1e-9)
    mean_fg = (mean_cum[-1] - mean_cum) / np.maximum(weight_fg, 1e-9)
    between = weight_bg * weight_fg * (mean_bg - mean_fg) ** 2
    return int(np.argmax(between))


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Boolean mask of dark (ink) pixels by Otsu threshold."""
    return gray <= otsu_threshold(gray)


def text_mask(gray: np.ndarray) -> np.ndarray:
    """Boolean mask of ink strokes: pixels clearly darker than the paper around them.

    A global (Otsu) threshold fails on phone photos: the desk around the document and
    the shadow of uneven lighting are darker than the paper, so whole regions count as
    ink, text lines merge into page-high blocks and the line height comes out several
    times too large (the page was then shrunk until tesseract read nothing). Here the
    local paper level is a grey closing (max then min filter) of a 4x reduced copy, and
    ink is whatever lies well below it: thin strokes qualify, smooth dark areas do not.
    """
    height, width = gray.shape
    if height < 16 or width < 16:
        return gray <= otsu_threshold(gray)

    image = Image.fromarray(gray, "L")
    small = np.asarray(image.reduce(4))
    paper = ndimage.minimum_filter(ndimage.maximum_filter(small, size=5), size=5)
    paper = np.asarray(Image.fromarray(paper, "L").resize((width, height), Image.BILINEAR))
    depth = np.clip(paper.astype(np.int16) - gray, 0, 255).astype(np.uint8)
    return depth > max(otsu_threshold(depth), MIN_INK_DEPTH)


def estimate_line_height(mask: np.ndarray) -> float | None:
    """Median height of runs of inked rows (text lines), or None if there is no text.

    Rows count as inked when they hold clearly more ink than the page's quietest rows,
    so scanner noise and thin rules do not join lines together. "Clearly more" is
    relative to a typical inked row (80th percentile), not the densest one: a dense
    block such as a passport's MRZ would otherwise hide every ordinary line.
    """
    if mask.size == 0:
        return None
    row_ink = mask.mean(axis=1)
    if row_ink.max() <= 0.002:
        return None
    typical = float(np.percentile(row_ink[row_ink > 0.002], 80))
    threshold = max(0.002, float(np.percentile(row_ink, 20)) + 0.15 * typical)
    inked = row_ink > threshold
    edges = np.diff(np.concatenate(([0], inked.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    heights = ends - starts
    heights = heights[heights >= 4]
    if heights.size == 0:
        return None
    return float(np.median(heights))


class _InkProjection:
    """Row profiles of an ink image turned by small angles, without turning the image.

    Each inked pixel (weighted by its ink) is moved to the row it lands on when the image
    is rotated counter-clockwise about its centre, as ``Image.rotate`` would, and the rows
    are counted with one ``bincount``: a few hundred microseconds per angle instead of a
    rotation of the whole image. Pixels that leave the frame are dropped, as they are
    from a rotation that keeps the size."""

    def __init__(self, ink: np.ndarray) -> None:
        self.height, self.width = ink.shape
        rows, cols = np.nonzero(ink)
        self.weights = ink[rows, cols].astype(np.float64)
        self.dy = rows + 0.5 - self.height / 2
        self.dx = cols + 0.5 - self.width / 2

    def sharpness(self, angle: float) -> float:
        """Sum of squared differences between neighbouring rows of the turned profile."""
        theta = np.radians(angle)
        cos, sin = np.cos(theta), np.sin(theta)
        rows = np.floor(self.height / 2 + self.dy * cos - self.dx * sin).astype(np.intp)
        cols = np.floor(self.width / 2 + self.dx * cos + self.dy * sin).astype(np.intp)
        keep = (rows >= 0) & (rows < self.height) & (cols >= 0) & (cols < self.width)
        profile = np.bincount(rows[keep], weights=self.weights[keep], minlength=self.height)
        return float(np.square(np.diff(profile)).sum())


def estimate_skew(mask: np.ndarray, *, max_degrees: float = MAX_SKEW_DEGREES) -> float:
    """Skew angle in degrees (counter-clockwise rotation that straightens the text),
    found by maximising the sharpness of the horizontal ink profile; 0 if unsure."""
    height, width = mask.shape
    if mask.mean() < 0.002:
        return 0.0
    factor = min(1.0, 500.0 / max(height, width))
    mask_img = Image.fromarray(mask.astype(np.uint8) * 255, "L")
    if factor < 1.0:
        mask_img = mask_img.resize(
            (max(1, int(width * factor)), max(1, int(height * factor))), Image.BOX
        )
    projection = _InkProjection(np.asarray(mask_img))
    base = projection.sharpness(0.0)
    best_angle, best_score = 0.0, base
    for angle in np.arange(-max_degrees, max_degrees + 0.01, 1.5):
        if abs(angle) < 0.01:
            continue
        score = projection.sharpness(float(angle))
        if score > best_score:
            best_angle, best_score = float(angle), score
    coarse = best_angle
    for angle in np.arange(coarse - 0.9, coarse + 0.91, 0.3):
        if abs(angle - coarse) < 0.01:
            continue
        score = projection.sharpness(float(angle))
        if score > best_score * 1.0001:
            best_angle, best_score = float(angle), score
    # Demand a clear gain before rotating a page that already looks straight.
    if abs(best_angle) < 0.5 or best_score < base * 1.05:
        return 0.0
    return round(best_angle, 2)


def _rotated_mask(mask: np.ndarray, angle: float) -> np.ndarray:
    """*mask* turned counter-clockwise by *angle* degrees (nearest neighbour)."""
    image = Image.fromarray(mask.astype(np.uint8) * 255, "L")
    return np.asarray(image.rotate(angle, resample=Image.NEAREST, expand=True, fillcolor=0)) > 127


def _rows_with_full_blocks(mask: np.ndarray, block: int) -> np.ndarray:
    """Indices of the rows holding at least one all-ink aligned block of *block* pixels.

    Any run of 2*block - 1 or more ink pixels covers such a block, so this finds every row
    that can hold a long run, in one cheap pass; ordinary text rows, which have plenty of
    ink but no long runs, drop out before the costly run search."""
    height, width = mask.shape
    count = width // block
    if count == 0:
        return np.empty(0, dtype=np.intp)
    blocks = mask[:, : count * block].reshape(height, count, block)
    return np.flatnonzero(blocks.all(axis=2).any(axis=1))


def _long_runs(mask: np.ndarray, min_len: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows of *mask* holding horizontal runs of at least *min_len* ink pixels: their
    indices and, for each, which of its pixels lie in such a run (None if there are
    none). Only rows that can hold such a run at all are examined."""
    width = mask.shape[1]
    if width < min_len:
        return None
    rows = _rows_with_full_blocks(mask, (min_len + 1) // 2)
    if rows.size == 0:
        return None
    sub = mask[rows]
    sums = np.zeros((rows.size, width + 1), dtype=np.int32)
    np.cumsum(sub, axis=1, dtype=np.int32, out=sums[:, 1:])
    full = (sums[:, min_len:] - sums[:, :-min_len]) == min_len  # run of min_len starts here
    found = full.any(axis=1)
    if not found.any():
        return None
    full = full[found]
    starts = np.zeros((full.shape[0], full.shape[1] + 1), dtype=np.int32)
    np.cumsum(full, axis=1, dtype=np.int32, out=starts[:, 1:])
    index = np.arange(width)
    upper = np.minimum(index, width - min_len) + 1
    lower = np.maximum(index - min_len + 1, 0)
    return rows[found], (starts[:, upper] - starts[:, lower]) > 0


def _solid_across(mask: np.ndarray, axis: int, reach: int = RULE_MAX_HALF_THICKNESS) -> np.ndarray:
    """Ink belonging to a dark area at least 2*reach+1 pixels thick along *axis* (its
    core, i.e. ink *reach* and *reach*/2 pixels away on both sides, grown back by
    *reach* to its edges): such ink is not part of a thin rule."""
    lines = mask if axis == 0 else mask.T
    count = lines.shape[0]
    padded = np.zeros((count + 4 * reach, lines.shape[1]), dtype=bool)  # no ink beyond
    padded[2 * reach : 2 * reach + count] = lines
    # core[j]: line j - reach is the middle of a solid stretch (j = 0 .. count + 2*reach)
    core = padded[reach : count + 3 * reach].copy()
    for offset in (reach, reach // 2, -(reach // 2), -reach):
        core &= padded[reach + offset : count + 3 * reach + offset]
    grown = core[:count].copy()  # some core within reach of line i: core[i .. i + 2*reach]
    for offset in range(1, 2 * reach + 1):
        grown |= core[offset : offset + count]
    grown &= lines
    return grown if axis == 0 else grown.T


def _solid_on_rows(
    mask: np.ndarray, rows: np.ndarray, reach: int = RULE_MAX_HALF_THICKNESS
) -> np.ndarray:
    """:func:`_solid_across` (along the columns) for the given *rows* only, one result row
    each. A row's answer depends on the ink at most 2*reach rows away, so each row is
    judged from a window of 4*reach+1 rows around it, all rows at once: rulings are a
    few rows of a whole page."""
    height = mask.shape[0]
    if rows.size * 4 > height:  # a photo or a dark area: windows would overlap, do it all
        return _solid_across(mask, 0, reach)[rows]
    index = rows[:, None] + np.arange(-2 * reach, 2 * reach + 1)[None, :]
    inside = (index >= 0) & (index < height)  # beyond the page counts as no ink
    # window[k, j, x]: ink at row rows[k] - 2*reach + j, column x
    window = mask[np.clip(index, 0, height - 1)] & inside[:, :, None]
    span = 2 * reach + 1  # window positions reach .. 3*reach: the row and reach either side
    core = window[:, reach : reach + span].copy()
    for offset in (reach, reach // 2, -(reach // 2), -reach):
        core &= window[:, reach + offset : reach + offset + span]
    return core.any(axis=1) & mask[rows]  # some core within reach of the row


def _rule_pixels(mask: np.ndarray, min_fraction: float, floor: int) -> np.ndarray | None:
    """Thin long lines: pixels in a long horizontal run that is thin vertically, or the
    other way round. Dark areas (a photo's background, a portrait) are thick in both
    directions and are left alone; so is a band of desk between a photographed page and
    the picture's edge, however long and narrow it is."""
    height, width = mask.shape
    horizontal = _long_runs(mask, max(floor, int(width * min_fraction)))
    # Columns are searched as the rows of a transposed copy: row-wise work on contiguous
    # memory is several times quicker than gathering columns.
    transposed = np.ascontiguousarray(mask.T)
    vertical = _long_runs(transposed, max(floor, int(height * min_fraction)))
    if horizontal is None and vertical is None:
        return None
    rules = np.zeros_like(mask)
    if horizontal is not None:
        rows, runs_h = horizontal
        rules[rows] = runs_h & ~_solid_on_rows(mask, rows)
    if vertical is not None:
        columns, runs_v = vertical
        rules[:, columns] |= (runs_v & ~_solid_on_rows(transposed, columns)).T
    if horizontal is not None and vertical is not None:  # crossings stay, as with the old rule
        rules[np.ix_(rows, columns)] &= ~(runs_h[:, columns] & runs_v[:, rows].T)
    return rules if rules.any() else None


def _without_rules(mask: np.ndarray, min_fraction: float = 0.08) -> np.ndarray:
    """The ink mask with thin long horizontal/vertical lines (table rulings) cleared."""
    rules = _rule_pixels(mask, min_fraction, 30)
    if rules is None:
        return mask
    mask = mask.copy()
    mask[rules] = False
    return mask


def remove_rules(
    gray: Image.Image, *, min_fraction: float = 0.08, threshold: int | None = None
) -> tuple[Image.Image, bool]:
    """Whiten long horizontal and vertical lines (table rulings, frames): tesseract's page
    layout analysis takes ruled tables for pictures and then reads nothing in them.
    Returns the cleaned image and whether anything was removed."""
    arr = np.asarray(gray)
    mask = arr <= (otsu_threshold(arr) if threshold is None else threshold)
    rules = _rule_pixels(mask, min_fraction, 60)
    if rules is None:
        return gray, False
    grown = rules.copy()  # also take the anti-aliased fringe
    grown[1:, :] |= rules[:-1, :]
    grown[:-1, :] |= rules[1:, :]
    grown[:, 1:] |= rules[:, :-1]
    grown[:, :-1] |= rules[:, 1:]
    cleaned = arr.copy()
    # Paint with the paper's own shade: pure white next to a grey or tinted page would
    # give tesseract's global threshold a third level and it would binarise the paper
    # as ink.
    cleaned[grown] = int(np.percentile(arr[::4, ::4], 90))
    return Image.fromarray(cleaned, "L"), True


def border_shade(gray: Image.Image) -> int:
    """Median grey level of the image's outermost rows and columns."""
    arr = np.asarray(gray)
    edge = np.concatenate((arr[0, ::4], arr[-1, ::4], arr[::4, 0], arr[::4, -1]))
    return int(np.median(edge)) if edge.size else 255


def binarize(gray: Image.Image) -> Image.Image:
    """Black text on white by Otsu's threshold (mode "L", values 0/255)."""
    arr = np.asarray(gray)
    return Image.fromarray(np.where(arr > otsu_threshold(arr), 255, 0).astype(np.uint8), "L")


def preprocess(
    image: Image.Image,
    *,
    deskew: bool = True,
    rescale: bool = True,
    binarise: bool = False,
    strip_rules: bool = True,
    remove_seals: bool = True,
) -> Prepared:
    """Greyscale, rescale to ~32 px line height, straighten small skew, remove table
    rulings, optionally binarise. Red seals are whitened first (see
    :func:`gray_without_seals`). Returns the new image with the scale and angle applied."""
    gray = gray_without_seals(image) if remove_seals else to_gray(image)
    scale = 1.0
    width, height = gray.size
    analysis = gray
    reduce_by = max(1, math.ceil(max(width, height) / ANALYSIS_MAX_SIDE))
    analysis_factor = 1.0 / reduce_by
    if reduce_by > 1:
        analysis = gray.reduce(reduce_by)
        analysis_factor = analysis.size[0] / width
    analysis_arr = np.asarray(analysis)
    threshold = otsu_threshold(analysis_arr)
    mask = text_mask(analysis_arr)
    if strip_rules:  # rulings would pass for text lines and skew the estimates
        mask = _without_rules(mask)
    skew = estimate_skew(mask) if deskew else 0.0
    # Lines of a tilted page overlap in the row profile: measure them straightened.
    line_height = estimate_line_height(_rotated_mask(mask, skew) if skew else mask)
    if line_height is not None:
        line_height /= analysis_factor
    if (
        rescale
        and line_height is not None
        and not (MIN_LINE_HEIGHT <= line_height <= MAX_LINE_HEIGHT)
    ):
        scale = min(MAX_SCALE, max(MIN_SCALE, TARGET_LINE_HEIGHT / line_height))
        if scale < 1.0:
            scale = min(1.0, max(scale, MIN_SIDE_AFTER_SHRINK / max(width, height)))
    if max(width, height) * scale > MAX_SIDE:
        scale = MAX_SIDE / max(width, height)
    if scale != 1.0:
        gray = gray.resize(
            (max(1, round(width * scale)), max(1, round(height * scale))),
            Image.LANCZOS if scale < 1 else Image.BICUBIC,
        )
    if skew:
        # Fill the corners with the border's own shade: white wedges against a photo's
        # dark background make long straight edges that pass for table rulings.
        gray = gray.rotate(skew, resample=Image.BICUBIC, expand=True, fillcolor=border_shade(gray))
    if strip_rules:
        gray, _ = remove_rules(gray, threshold=threshold)
    if binarise:
        gray = binarize(gray)
    return Prepared(gray, scale, skew, line_height)


def rotate_right_angle(image: Image.Image, degrees: int) -> Image.Image:
    """Rotate counter-clockwise by 0/90/180/270 degrees without resampling."""
    degrees %= 360
    if degrees == 0:
        return image
    method = {
        90: Image.Transpose.ROTATE_90,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_270,
    }[degrees]
    return image.transpose(method)
