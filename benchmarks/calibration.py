"""Benchmark: can the classifier's confidence be trusted? Reliability figures (issue 17).

For the committed classifier (or --model), and for its raw probabilities when the artifact
holds a calibrator (so one run shows before and after), prints on
  (a) the synthetic held-out set ``python -m ml train`` measures on (FONTS_HELDOUT, unseen
      layout variants, seed 20260101, 25 per class; rendered and OCR'd once, then read from
      --samples-dir), and
  (b) the real scans in --data (or REAL_PAPER_DIR; never committed here): sroie-dev
      receipts (truth `invoice`) and funsd-dev forms (truth `other`); skipped when absent,
  the expected calibration error (ECE, 10 equal-width bins, top-label), the mean Brier score,
  top-1 accuracy, accuracy after abstention and anchors (what the review uses), accuracy
  against confidence bin by bin, and per class its one-vs-rest ECE and Brier score.
OCR is cached by content hash (ML_CACHE_DIR), so re-runs take seconds. Asserts nothing.

    nice -n 10 .venv/bin/python benchmarks/calibration.py [--model PATH] [--per-class 25]
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

HELDOUT_SEED = 20260101


def _cache_dir() -> Path:
    value = os.environ.get("ML_CACHE_DIR")
    base = Path(value) if value and value != "off" else Path.home() / ".cache" / "onewindow-ml"
    return base / "samples"


def heldout_samples(per_class: int, samples_dir: Path, workers: int):
    """The synthetic held-out set of ``python -m ml train`` (same seed and naming)."""
    from ml.train import _samples

    args = argparse.Namespace(
        capture="mixed", samples_dir=samples_dir, seed=HELDOUT_SEED, workers=workers
    )
    return _samples(args, "heldout", per_class, "heldout")


def read_real(path: str) -> tuple[str, dict | None]:
    """OCR text and layout features of one real scan, as the review computes them."""
    from ml.classify import image_features
    from ml.ocr import UnreadableDocument, run_ocr

    try:
        ocr = run_ocr(path)
    except UnreadableDocument:
        return "", None
    image = ocr.preview_image()
    return ocr.text, (image_features(image) if image is not None else None)


def real_sets(data: Path, workers: int) -> dict[str, tuple[list[str], list, list[str]]]:
    """{set name: (texts, features, truth labels)} for sroie-dev and funsd-dev."""
    sets = {
        "sroie-dev": (sorted((data / "sroie-dev" / "img").glob("*.jpg")), "invoice"),
        "funsd-dev": (sorted((data / "funsd-dev" / "images").glob("*.png")), "other"),
    }
    out = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for name, (paths, truth) in sets.items():
            read = list(pool.map(read_real, [str(p) for p in paths], chunksize=1))
            out[name] = ([t for t, _ in read], [f for _, f in read], [truth] * len(read))
    return out


def _aligned(clf, probs, classes):
    import numpy as np

    out = np.zeros((probs.shape[0], len(classes)))
    for column, name in enumerate(clf.classes):
        out[:, classes.index(name)] = probs[:, column]
    return out


def measure(clf, texts, feats, labels, *, calibrated: bool) -> dict:
    """Reliability summary plus accuracy after abstention and anchors for one view."""
    from ml.reliability import reliability_table, summary

    probs = clf.predict_proba_many(texts, feats, calibrated=calibrated)
    threshold = clf.threshold if calibrated else clf.raw_threshold
    decided = [clf.decide(row, text, threshold) for row, text in zip(probs, texts)]
    out = summary(probs, clf.classes, labels)
    out["decided_accuracy"] = round(
        sum(p.doc_type == t for p, t in zip(decided, labels)) / max(1, len(labels)), 4
    )
    out["decided"] = {}
    for p in decided:
        out["decided"][p.doc_type] = out["decided"].get(p.doc_type, 0) + 1
    out["table"] = reliability_table(probs, clf.classes, labels)
    return out


def print_views(title: str, views: dict[str, dict]) -> None:
    print(f"\n== {title}")
    print(
        f"  {'view':12s} {'docs':>5s} {'top1':>7s} {'decided':>8s} {'mean conf':>10s} "
        f"{'ECE':>7s} {'Brier':>7s}  decided as"
    )
    for view, m in views.items():
        decided = ", ".join(
            f"{k} {v}" for k, v in sorted(m["decided"].items(), key=lambda x: -x[1])
        )
        print(
            f"  {view:12s} {m['documents']:5d} {m['top1_accuracy']:7.3f} "
            f"{m['decided_accuracy']:8.3f} {m['mean_confidence']:10.3f} {m['ece']:7.4f} "
            f"{m['brier']:7.4f}  {decided}"
        )
    print("  accuracy vs confidence (top label):")
    for view, m in views.items():
        cells = "  ".join(
            f"{r['bin']}: n={r['documents']} conf {r['confidence']:.2f} acc {r['accuracy']:.2f}"
            for r in m["table"]
        )
        print(f"    {view:12s} {cells}")
    names = list(next(iter(views.values()))["per_class"])
    header = "".join(f" {v[:10]:>10s} ECE {'Brier':>6s}" for v in views)
    print(f"  per class (one-vs-rest)   support{header}")
    for name in names:
        first = next(iter(views.values()))["per_class"][name]
        cells = "".join(
            f" {m['per_class'][name]['ece']:14.4f} {m['per_class'][name]['brier']:6.4f}"
            for m in views.values()
        )
        print(f"    {name:24s} {first['support']:5d}{cells}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="classifier artifact (default: committed)")
    parser.add_argument("--per-class", type=int, default=25, help="held-out documents per class")
    parser.add_argument("--samples-dir", type=Path, default=_cache_dir())
    parser.add_argument("--data", type=Path, default=os.environ.get("REAL_PAPER_DIR"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    from ml.classify import DocumentClassifier

    clf = DocumentClassifier.load(args.model)
    if clf is None:
        print("no usable classifier artifact")
        return 0
    views = {"raw": False} if clf.calibrator is None else {"raw": False, "calibrated": True}
    print(
        f"classifier {args.model or 'committed'}: threshold {clf.threshold}, "
        f"calibrator {clf.calibration_method or 'none'}"
    )
    sets: dict[str, tuple] = {}
    if args.per_class > 0:
        held = heldout_samples(args.per_class, args.samples_dir, args.workers)
        sets["synthetic held-out"] = (
            [s.text for s in held],
            [s.features or None for s in held],
            [s.doc_type for s in held],
        )
    if args.data and all((Path(args.data) / s).is_dir() for s in ("sroie-dev", "funsd-dev")):
        real = real_sets(Path(args.data), args.workers)
        sets.update(real)
        texts = [t for name in real for t in real[name][0]]
        feats = [f for name in real for f in real[name][1]]
        labels = [t for name in real for t in real[name][2]]
        sets["real (both)"] = (texts, feats, labels)
    else:
        print(f"real sets skipped: no sroie-dev/ and funsd-dev/ in {args.data}")
    for title, (texts, feats, labels) in sets.items():
        print_views(
            title,
            {view: measure(clf, texts, feats, labels, calibrated=c) for view, c in views.items()},
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
