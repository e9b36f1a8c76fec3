"""Benchmark: milliseconds per page for classification (and field extraction when available).

Renders a few synthetic pages per class, OCRs them once (cached by ml.ocr), then times
``image_features`` + ``DocumentClassifier.predict`` per page, ``predict_many`` on the
whole batch and, if ml.fields exists, ``extract_fields`` on the same OCR results.
Prints each figure next to a baseline measured in the same run (a bare TF-IDF
transform of the same texts), so the numbers compare across machines.

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
from ml.doctypes import DOC_TYPES  # noqa: E402
from ml.synthetic import render  # noqa: E402


def timed(func, repeat: int) -> float:
    """Median seconds of *repeat* calls of *func*."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


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
    for doc_type in DOC_TYPES:
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
    print(f"baseline tfidf transform      {baseline * 1000:7.2f} ms/page  (1.00x)")
    print(
        f"image_features                {features_t * 1000:7.2f} ms/page  ({features_t / baseline:5.2f}x)"
    )
    print(
        f"predict (one by one)          {predict_t * 1000:7.2f} ms/page  ({predict_t / baseline:5.2f}x)"
    )
    print(
        f"predict_many (batch)          {batch_t * 1000:7.2f} ms/page  ({batch_t / baseline:5.2f}x)"
    )
    try:
        from ml.fields import extract_fields
    except ImportError:
        return 0
    types = [clf.predict(t, f).doc_type for t, f in zip(texts, feats)]
    fields_t = (
        timed(lambda: [extract_fields(d, ocr) for d, (_, ocr) in zip(types, pages)], args.repeat)
        / n
    )
    print(
        f"extract_fields                {fields_t * 1000:7.2f} ms/page  ({fields_t / baseline:5.2f}x)"
    )
    total = features_t + predict_t + fields_t
    print(f"features + predict + fields   {total * 1000:7.2f} ms/page  ({total / baseline:5.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
