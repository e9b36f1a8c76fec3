"""Slow end-to-end check: freshly rendered, really OCR'd documents get the right type."""

from __future__ import annotations

import os
import random

import pytest

from ml.classify import DocumentClassifier, image_features
from ml.synthetic import FONTS_HELDOUT, render

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@pytest.mark.slow
@pytest.mark.parametrize("doc_type", ["id_card_front", "business_license", "invoice"])
def test_committed_model_on_fresh_heldout_documents(doc_type):
    clf = DocumentClassifier.load()
    if clf is None:
        pytest.skip("no committed model (run python -m ml train)")
    from ml.ocr import run_ocr

    image, _ = render(
        doc_type,
        random.Random(f"fresh:{doc_type}"),
        fonts=FONTS_HELDOUT,
        capture="scan",
        layouts="heldout",
    )
    text = run_ocr(image, cache=False).text
    prediction = clf.predict(text, image_features(image))
    assert prediction.doc_type == doc_type, (prediction, text[:200])
    assert prediction.confidence >= clf.threshold
