"""The quick forms of preprocessing steps give what the plain forms give (randomised): the
OCR pipeline's speed must not change its output."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ml.ocr import preprocess as pp

RNG_SEED = 20261122


def _masks(count: int):
    rng = np.random.default_rng(RNG_SEED)
    for _ in range(count):
        height, width = rng.integers(13, 90, 2)
        yield rng, rng.random((height, width)) < rng.uniform(0.2, 0.98)


def test_thick_area_test_on_chosen_rows_matches_the_whole_page():
    for rng, mask in _masks(200):
        rows = np.unique(rng.integers(0, mask.shape[0], rng.integers(1, 30)))
        assert np.array_equal(pp._solid_on_rows(mask, rows), pp._solid_across(mask, 0)[rows])
        assert np.array_equal(pp._solid_across(mask, 1), pp._solid_across(mask.T, 0).T)


def test_row_prefilter_never_misses_a_long_run():
    for rng, mask in _masks(200):
        min_len = int(rng.integers(4, 40))
        runs = pp._long_runs(mask, min_len)
        found = set() if runs is None else set(runs[0].tolist())
        for row in range(mask.shape[0]):  # plain search for a run of min_len ink pixels
            line = np.concatenate(([0], mask[row].astype(np.int8), [0]))
            edges = np.flatnonzero(np.diff(line))
            longest = (edges[1::2] - edges[::2]).max() if edges.size else 0
            assert (longest >= min_len) == (row in found)


def test_seal_closing_by_filters_is_scipys_binary_closing():
    for _, mask in _masks(100):
        red = mask & (np.random.default_rng(1).random(mask.shape) < 0.1)
        expected = ndimage.binary_closing(red, structure=np.ones((5, 5), bool), iterations=2)
        assert np.array_equal(expected, pp._join_seal_parts(red))


def test_histogram_is_numpys_bincount():
    rng = np.random.default_rng(RNG_SEED)
    for shape in ((1, 1), (7, 300), (301, 17)):
        gray = rng.integers(0, 256, shape, dtype=np.uint8)
        assert np.array_equal(pp._histogram(gray), np.bincount(gray.ravel(), minlength=256))
        assert np.array_equal(
            pp._histogram(gray[:, ::2]),  # not contiguous
            np.bincount(gray[:, ::2].ravel(), minlength=256),
        )


def test_projected_skew_finds_the_angle_of_a_turned_page():
    from PIL import Image, ImageDraw

    page = Image.new("L", (800, 600), 0)
    draw = ImageDraw.Draw(page)
    for top in range(60, 540, 40):  # text lines as ink bars
        draw.rectangle((80, top, 720, top + 14), fill=255)
    for angle in (-3.0, 2.1, 4.5):
        turned = np.asarray(page.rotate(-angle, resample=Image.NEAREST)) > 127
        assert abs(pp.estimate_skew(turned) - angle) <= 0.31
    assert pp.estimate_skew(np.asarray(page) > 127) == 0.0
