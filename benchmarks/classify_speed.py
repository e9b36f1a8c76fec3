"""Benchmark: milliseconds per page for classification (and field extraction when available).

Renders a few synthetic pages per class, OCRs them once (cached by ml.ocr), then times
``image_features`` + ``DocumentClassifier.predict`` per page, ``predict_many`` on the
whole batch and, if ml.fields exists, ``extract_fields`` on the same OCR results.
Prints each figure next to a baseline measured in the same run (a bare TF-IDF
transform of the same texts), so the numbers compare across machines.  The time of one
``predict`` call is also compared with its budget (:data:`PREDICT_BUDGET_MS`): the
review classifies every upload, and the tests do not time it.

    .venv/bin/python benchmarks/classify_speed.py [--per-class N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ml.classify import DocumentClassifier, image_features, normalize_text  # noqa: E402
from ml.synthetic import render, synthetic_types  # noqa: E402

PREDICT_BUDGET_MS = 5.0  # one predict call (text + layout features) on a typical page


def timed(func, repeat: int) -> float:
    """Median seconds of *repeat* calls of *func*."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def row(name: str, seconds: float, baseline: float) -> str:
    """One line of the report: milliseconds per page and the ratio to the baseline."""
    return f"{name:30s}{seconds * 1000:7.2f} ms/page  ({seconds / baseline:5.2f}x)"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print ms per page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    clf = DocumentClassifier.load()
    if clf is None:
        print("no classifier artifact: run `python -m ml train` first")
        return 1
    from ml.ocr import run_ocr

    pages = []
    for doc_type in synthetic_types():
        for i in range(args.per_class):
            image, _ = render(doc_type, random.Random(f"bench:{doc_type}:{i}"), capture="scan")
            pages.append((image, run_ocr(image)))
    texts = [ocr.text for _, ocr in pages]
    n = len(pages)
    baseline = (
        timed(lambda: [clf.vectorizer.transform([normalize_text(t)]) for t in texts], args.repeat)
        / n
    )
    features_t = timed(lambda: [image_features(img) for img, _ in pages], args.repeat) / n
    feats = [image_features(img) for img, _ in pages]
    predict_t = timed(lambda: [clf.predict(t, f) for t, f in zip(texts, feats)], args.repeat) / n
    batch_t = timed(lambda: clf.predict_many(texts, feats), args.repeat) / n
    print(f"{n} pages, {len(''.join(texts)) // n} OCR characters per page on average")
    print(row("baseline tfidf transform", baseline, baseline))
    print(row("image_features", features_t, baseline))
    print(row("predict (one by one)", predict_t, baseline))
    print(row("predict_many (batch)", batch_t, baseline))
    verdict = "within" if predict_t * 1000 < PREDICT_BUDGET_MS else "OVER"
    budget = f"{PREDICT_BUDGET_MS:g} ms"
    print(f"one predict call: {predict_t * 1000:.2f} ms, {verdict} the {budget} budget")
    try:
        from ml.fields import extract_fields
    except ImportError:
        return 0
    types = [clf.predict(t, f).doc_type for t, f in zip(texts, feats)]
    fields_t = (
        timed(lambda: [extract_fields(d, ocr) for d, (_, ocr) in zip(types, pages)], args.repeat)
        / n
    )
    print(row("extract_fields", fields_t, baseline))
    print(row("features + predict + fields", features_t + predict_t + fields_t, baseline))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
