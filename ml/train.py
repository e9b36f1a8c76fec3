"""Train the document classifier: ``python -m ml train`` (and ``make train``).

Renders a seeded synthetic training set (FONTS_TRAIN, training layouts), OCRs it in a
process pool (cached by content hash), augments the texts, picks the abstention
threshold on out-of-fold predictions, fits the final model and measures it on a
held-out set rendered with FONTS_HELDOUT and unseen layout variants.  Writes
``ml/models/doc_classifier.joblib`` and ``ml/models/doc_classifier.metrics.json``.
Clerk corrections (``--feedback FILE``, JSON lines of {text, doc_type}) are mixed in.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

from ml.classify import (
    DEFAULT_MODEL_PATH,
    MIN_TEXT_CHARS,
    DocumentClassifier,
    feature_vector,
    normalize_text,
)
from ml.doctypes import DOC_TYPES, OTHER
from ml.synthetic.augment import augment_text
from ml.synthetic.dataset import Sample, load_samples, make_specs, ocr_samples, save_samples

THRESHOLD_GRID = tuple(round(x, 2) for x in np.arange(0.30, 0.91, 0.05))


def read_feedback(path: Path) -> list[Sample]:
    """Clerk corrections: JSON lines {text, doc_type}; unknown types and blank texts are skipped."""
    samples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            print(f"feedback line {number}: not JSON, skipped", file=sys.stderr)
            continue
        if row.get("doc_type") in DOC_TYPES and str(row.get("text", "")).strip():
            samples.append(
                Sample(row["doc_type"], str(row["text"]), {}, group=f"feedback:{number}")
            )
    return samples


def readable(sample: Sample) -> bool:
    """True when OCR found enough text for the classifier to judge (see MIN_TEXT_CHARS)."""
    return len(normalize_text(sample.text)) >= MIN_TEXT_CHARS


def expand(samples: list[Sample], copies: int, rng: random.Random):
    """Training rows: each sample plus *copies* augmented texts; some rows hide the image.

    Unreadable documents of a known type are left out: the classifier abstains on them
    anyway, and their layout alone would only teach it to guess.
    """
    texts, feats, labels, groups = [], [], [], []
    for sample in samples:
        if sample.doc_type != OTHER and not readable(sample):
            continue
        variants = [sample.text] + [augment_text(sample.text, rng) for _ in range(copies)]
        for k, text in enumerate(variants):
            texts.append(text)
            # Every second augmented copy has no image, so text-only prediction works too.
            feats.append(sample.features if (sample.features and k % 2 == 0) else None)
            labels.append(sample.doc_type)
            groups.append(sample.group)
    return texts, feats, labels, groups


def fit_classifier(
    texts,
    feats,
    labels,
    *,
    threshold: float = 0.5,
    c_value: float = 20.0,
    metadata: dict | None = None,
) -> DocumentClassifier:
    """Fit vectoriser, layout scaling and logistic regression; returns the classifier."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        min_df=2,
        max_features=40000,
        sublinear_tf=True,
        dtype=np.float32,
    )
    vectorizer.fit([normalize_text(t) for t in texts])
    rows = np.vstack([feature_vector(f) for f in feats])
    with_image = rows[rows[:, -1] == 1.0][:, :-1]
    mean = with_image.mean(axis=0) if len(with_image) else np.zeros(rows.shape[1] - 1)
    scale = with_image.std(axis=0) + 1e-6 if len(with_image) else np.ones(rows.shape[1] - 1)
    model = LogisticRegression(C=c_value, max_iter=3000)
    clf = DocumentClassifier(
        vectorizer,
        model,
        feature_mean=mean,
        feature_scale=scale,
        threshold=threshold,
        metadata=metadata,
    )
    model.fit(clf.transform(texts, feats), labels)
    clf.classes = [str(c) for c in model.classes_]
    return clf


def accuracy_with_threshold(
    probs: np.ndarray, classes: list[str], labels: list[str], threshold: float
) -> float:
    """Accuracy when predictions below *threshold* become "other"."""
    best = probs.argmax(axis=1)
    predicted = [OTHER if p[b] < threshold else classes[b] for p, b in zip(probs, best)]
    return float(np.mean([a == b for a, b in zip(predicted, labels)]))


def choose_threshold(
    samples: list[Sample], copies: int, seed: int, folds: int = 3
) -> tuple[float, dict]:
    """Abstention threshold from out-of-fold predictions on un-augmented texts (grouped by
    document)."""
    groups = sorted({s.group for s in samples})
    random.Random(seed).shuffle(groups)
    fold_of = {g: i % folds for i, g in enumerate(groups)}
    classes = sorted({s.doc_type for s in samples})
    all_probs, all_labels = [], []
    for fold in range(folds):
        train = [s for s in samples if fold_of[s.group] != fold]
        test = [s for s in samples if fold_of[s.group] == fold]
        texts, feats, labels, _ = expand(train, copies, random.Random(seed + fold))
        if not test or len(set(labels)) < 2:
            continue
        clf = fit_classifier(texts, feats, labels)
        fold_probs = clf.predict_proba_many(
            [s.text for s in test], [s.features or None for s in test]
        )
        # A small fold may miss a class: align its columns with the full class list.
        aligned = np.zeros((len(test), len(classes)))
        for column, name in enumerate(clf.classes):
            aligned[:, classes.index(name)] = fold_probs[:, column]
        for row, sample in enumerate(test):  # unreadable documents: the classifier abstains
            if not readable(sample):
                aligned[row] = 0.0
        all_probs.append(aligned)
        all_labels += [s.doc_type for s in test]
    if not all_probs:
        return 0.5, {}
    probs = np.vstack(all_probs)
    scores = {t: accuracy_with_threshold(probs, classes, all_labels, t) for t in THRESHOLD_GRID}
    top = max(scores.values())
    # Highest threshold within half a point of the best accuracy: abstain as much as is affordable.
    threshold = max(t for t, acc in scores.items() if acc >= top - 0.005)
    return threshold, {str(t): round(a, 4) for t, a in scores.items()}


def evaluate_samples(clf: DocumentClassifier, samples: list[Sample]) -> dict:
    """Accuracy overall and per class, confusion matrix and abstentions on *samples*."""
    predictions = clf.predict_many([s.text for s in samples], [s.features or None for s in samples])
    classes = list(DOC_TYPES)
    confusion = {t: dict.fromkeys(classes, 0) for t in classes}
    for sample, pred in zip(samples, predictions):
        confusion[sample.doc_type][pred.doc_type] += 1
    per_class = {}
    for t in classes:
        total = sum(confusion[t].values())
        if total:
            per_class[t] = round(confusion[t][t] / total, 4)
    correct = sum(confusion[t][t] for t in classes)
    by_capture: dict[str, list[int]] = {}
    for sample, pred in zip(samples, predictions):
        by_capture.setdefault(sample.capture, []).append(int(pred.doc_type == sample.doc_type))
    hits = [int(p.doc_type == s.doc_type) for s, p in zip(samples, predictions)]
    readable_hits = [h for s, h in zip(samples, hits) if readable(s)]
    claimed = [h for p, h in zip(predictions, hits) if p.doc_type != OTHER]
    return {
        "documents": len(samples),
        "accuracy": round(correct / max(1, len(samples)), 4),
        "per_class": per_class,
        "by_capture": {k: round(sum(v) / len(v), 4) for k, v in sorted(by_capture.items())},
        "readable_documents": len(readable_hits),
        "readable_accuracy": round(sum(readable_hits) / max(1, len(readable_hits)), 4),
        "precision_when_typed": round(sum(claimed) / max(1, len(claimed)), 4),
        "abstained": sum(p.abstained for p in predictions),
        "confusion": confusion,
    }


def data_hash(samples: list[Sample]) -> str:
    """SHA-256 over the (type, normalised text) pairs the model was fitted on."""
    digest = hashlib.sha256()
    for sample in samples:
        digest.update(f"{sample.doc_type}\t{normalize_text(sample.text)}\n".encode())
    return digest.hexdigest()


def _progress(label: str):
    started = time.perf_counter()

    def report(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            print(
                f"  {label}: {done}/{total} OCR'd ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )

    return report


def build_parser() -> argparse.ArgumentParser:
    """Argument parser of the train command."""
    parser = argparse.ArgumentParser(
        prog="python -m ml train", description="Train the document classifier."
    )
    parser.add_argument("--per-class", type=int, default=70, help="training documents per class")
    parser.add_argument(
        "--heldout-per-class", type=int, default=25, help="held-out documents per class (0: skip)"
    )
    parser.add_argument("--augment", type=int, default=5, help="augmented text copies per document")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--capture",
        choices=("mixed", "clean", "scan", "photo"),
        default="mixed",
        help="capture simulation of the rendered documents",
    )
    parser.add_argument(
        "--feedback", type=Path, help="JSON lines of {text, doc_type} clerk corrections"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument(
        "--samples-dir", type=Path, help="save/reuse OCR'd samples here (JSON lines)"
    )
    return parser


def _samples(args, name: str, per_class: int, layouts: str) -> list[Sample]:
    suffix = "" if args.capture == "mixed" else f"-{args.capture}"
    cached = (
        args.samples_dir / f"{name}-{args.seed}-{per_class}{suffix}.jsonl"
        if args.samples_dir
        else None
    )
    if cached and cached.is_file():
        return load_samples(cached)
    specs = make_specs(per_class, seed=args.seed, layouts=layouts, capture=args.capture)
    samples = ocr_samples(specs, workers=args.workers, progress=_progress(name))
    if cached:
        save_samples(samples, cached)
    return samples


def main(argv: list[str] | None = None) -> int:
    """Run the whole training; returns the process exit code."""
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    print(f"rendering + OCR of {args.per_class} training documents per class ...", flush=True)
    train = _samples(args, "train", args.per_class, "train")
    if args.feedback:
        feedback = read_feedback(args.feedback)
        print(f"feedback: {len(feedback)} corrections mixed in (x3)")
        train += feedback * 3
    ocr_seconds = round(time.perf_counter() - started, 1)
    threshold, threshold_scores = choose_threshold(train, max(1, args.augment // 2), args.seed)
    print(
        f"abstention threshold {threshold} "
        f"(out-of-fold accuracy {threshold_scores.get(str(threshold))})"
    )
    texts, feats, labels, _ = expand(train, args.augment, random.Random(args.seed))
    import sklearn

    metadata = {
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sklearn_version": sklearn.__version__,
        "training_data_hash": data_hash(train),
        "training_documents": len(train),
        "training_rows": len(texts),
        "seed": args.seed,
        "per_class": args.per_class,
        "augment": args.augment,
        "capture": args.capture,
        "threshold_out_of_fold": threshold_scores,
    }
    clf = fit_classifier(texts, feats, labels, threshold=threshold, metadata=metadata)
    if args.heldout_per_class > 0:
        heldout = _samples(args, "heldout", args.heldout_per_class, "heldout")
        clf.metadata["heldout"] = evaluate_samples(clf, heldout)
        clf.metadata["heldout_text_only"] = {
            k: v
            for k, v in evaluate_samples(
                clf, [Sample(s.doc_type, s.text, {}, capture=s.capture) for s in heldout]
            ).items()
            if k != "confusion"
        }
    clf.metadata["train_seconds"] = round(time.perf_counter() - started, 1)
    clf.metadata["ocr_seconds"] = ocr_seconds
    path = clf.save(args.out)
    metrics_path = path.with_name(path.name.replace(".joblib", "") + ".metrics.json")
    metrics_path.write_text(
        json.dumps(clf.metadata, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) and {metrics_path}")
    if "heldout" in clf.metadata:
        report = clf.metadata["heldout"]
        print(
            f"held-out accuracy {report['accuracy']:.4f} on {report['documents']} documents; "
            f"{report['readable_accuracy']:.4f} on the {report['readable_documents']} "
            "with readable OCR text; "
            f"precision when a type is claimed {report['precision_when_typed']:.4f}; "
            f"by capture {report['by_capture']}"
        )
        for doc_type, acc in report["per_class"].items():
            print(f"  {doc_type:24s} {acc:.3f}")
    return 0
