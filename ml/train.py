"""Train the document classifier: ``python -m ml train`` (and ``make train``).

Renders a seeded synthetic training set (FONTS_TRAIN, training layouts), OCRs it in a
process pool (cached by content hash), augments the texts, picks the abstention
threshold on out-of-fold predictions, fits the final model and measures it on a
held-out set rendered with FONTS_HELDOUT and unseen layout variants.  Writes
``ml/models/doc_classifier.joblib`` and ``ml/models/doc_classifier.metrics.json``.
Clerk corrections (``--feedback FILE``, JSON lines of {text, doc_type}) are mixed in.

Calibration (issue 17): a separate calibration set -- its own seed, the held-out layout
variants, and only half of FONTS_HELDOUT (:data:`CALIBRATION_FONTS`), so the test split
keeps two fonts that neither the model nor the calibrator saw -- is rendered and OCR'd;
scikit-learn's ``CalibratedClassifierCV`` over the frozen model is fitted on it (per-class
sigmoid by default; each document with and without its image features), the abstention
threshold is chosen again on out-of-fold calibrated probabilities of that set, and
reliability figures (ECE, Brier, see :mod:`ml.reliability`) of the held-out set before and
after are stored in the metrics.  ``--recalibrate`` does only this for an existing
artifact, leaving its model untouched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import sys
import time
from dataclasses import replace
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
from ml.reliability import summary
from ml.synthetic.augment import augment_text
from ml.synthetic.dataset import Sample, load_samples, make_specs, ocr_samples, save_samples
from ml.synthetic.fonts import FONTS_HELDOUT

THRESHOLD_GRID = tuple(round(x, 2) for x in np.arange(0.30, 0.91, 0.05))
CALIBRATION_METHODS = ("sigmoid", "temperature", "isotonic")
CALIBRATION_SEED_OFFSET = 1  # the calibration set's seed is the training seed + 1
# Every second held-out font: the held-out set (all of FONTS_HELDOUT) keeps the others unseen.
CALIBRATION_FONTS: tuple[str, ...] = tuple(FONTS_HELDOUT[0::2])


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


def with_text_only(samples: list[Sample]) -> list[Sample]:
    """*samples* plus a copy of each without its image features: the classifier is also
    asked with text alone (as training's :func:`expand` teaches it), and its probabilities
    there must be calibrated too."""
    return samples + [replace(s, features={}) for s in samples if s.features]


def fit_calibrator(clf: DocumentClassifier, samples: list[Sample], method: str = "sigmoid"):
    """CalibratedClassifierCV over the frozen model, fitted on *samples* (documents the model
    never trained on) with and without their image features. Unreadable documents of a known
    type are left out (the classifier abstains on them whatever the probabilities); every
    class of the model must occur."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    if method not in CALIBRATION_METHODS:
        raise ValueError(f"unknown calibration method {method!r}")
    kept = with_text_only([s for s in samples if s.doc_type == OTHER or readable(s)])
    missing = set(clf.classes) - {s.doc_type for s in kept}
    if missing:
        raise ValueError(f"calibration set lacks {sorted(missing)}")
    labels = [s.doc_type for s in kept]
    fewest = min(labels.count(name) for name in clf.classes)
    if fewest < 2:
        raise ValueError("calibration needs two readable documents of every class")
    matrix = clf.transform([s.text for s in kept], [s.features or None for s in kept])
    # The model is frozen, so the folds only split the data: every document's probabilities
    # come from the same model, and one calibrator is fitted on all of them.
    calibrator = CalibratedClassifierCV(
        FrozenEstimator(clf.model), method=method, cv=min(5, fewest), ensemble=False
    )
    return calibrator.fit(matrix, labels)


def choose_calibrated_threshold(
    clf: DocumentClassifier,
    samples: list[Sample],
    method: str = "sigmoid",
    folds: int = 2,
    slack: float = 0.0,
) -> tuple[float, dict]:
    """Abstention threshold on out-of-fold calibrated probabilities of *samples*: each fold is
    scored by a calibrator fitted on the other folds (a calibrator scoring the documents it was
    fitted on would be surer than it will be on new ones), with and without image features;
    the highest threshold within *slack* of the best accuracy is chosen (none by default:
    :func:`choose_threshold`'s half point, on probabilities that sigmoid calibration has drawn
    in from 1, cost a held-out ID card photo at 0.80), and unreadable documents count as
    abstentions. With too few documents for the folds, the
    calibrator attached to *clf* scores *samples* directly."""
    position: dict[str, int] = {}
    fold_of = []
    for sample in samples:  # folds alternate within each class
        fold_of.append(position.get(sample.doc_type, 0) % folds)
        position[sample.doc_type] = position.get(sample.doc_type, 0) + 1
    scored, probs = [], []
    try:
        for fold in range(folds):
            train = [s for s, f in zip(samples, fold_of) if f != fold]
            test = with_text_only([s for s, f in zip(samples, fold_of) if f == fold])
            calibrator = fit_calibrator(clf, train, method)
            matrix = clf.transform([s.text for s in test], [s.features or None for s in test])
            scored += test
            probs.append(calibrator.predict_proba(matrix))
        matrix_probs = np.vstack(probs)
    except ValueError:  # a class with fewer than two readable documents in a fold
        scored = with_text_only(samples)
        matrix_probs = clf.predict_proba_many(
            [s.text for s in scored], [s.features or None for s in scored]
        )
    for row, sample in enumerate(scored):
        if not readable(sample):
            matrix_probs[row] = 0.0
    labels = [s.doc_type for s in scored]
    scores = {
        t: accuracy_with_threshold(matrix_probs, clf.classes, labels, t) for t in THRESHOLD_GRID
    }
    top = max(scores.values())
    threshold = max(t for t, acc in scores.items() if acc >= top - slack)
    return threshold, {str(t): round(a, 4) for t, a in scores.items()}


def reliability(clf: DocumentClassifier, samples: list[Sample], *, calibrated: bool) -> dict:
    """ECE, Brier and per-class figures of *clf*'s probabilities on *samples*."""
    probs = clf.predict_proba_many(
        [s.text for s in samples], [s.features or None for s in samples], calibrated=calibrated
    )
    return summary(probs, clf.classes, [s.doc_type for s in samples])


def calibrate(clf: DocumentClassifier, samples: list[Sample], method: str) -> None:
    """Attach a calibrator fitted on *samples* and re-choose the threshold on its output;
    the previous threshold is kept in the metadata as ``threshold_uncalibrated``."""
    raw_threshold = clf.raw_threshold
    clf.calibrator = fit_calibrator(clf, samples, method)
    threshold, scores = choose_calibrated_threshold(clf, samples, method)
    clf.threshold = threshold
    clf.metadata.update(
        threshold_uncalibrated=raw_threshold,
        threshold_calibrated=scores,
        calibration={
            "method": method,
            "documents": len(samples),
            "fonts": [Path(f).name for f in CALIBRATION_FONTS],
            "layouts": "heldout",
        },
    )


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
    parser.add_argument(
        "--calibration-per-class",
        type=int,
        default=20,
        help="calibration documents per class (held-out layouts, half the held-out fonts; 0: none)",
    )
    parser.add_argument("--calibration-method", choices=CALIBRATION_METHODS, default="sigmoid")
    parser.add_argument(
        "--recalibrate",
        action="store_true",
        help="only (re)fit the calibrator of the artifact at --out; its model is kept",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument(
        "--samples-dir", type=Path, help="save/reuse OCR'd samples here (JSON lines)"
    )
    return parser


def _samples(
    args, name: str, per_class: int, layouts: str, *, seed: int | None = None, fonts=()
) -> list[Sample]:
    seed = args.seed if seed is None else seed
    suffix = "" if args.capture == "mixed" else f"-{args.capture}"
    cached = (
        args.samples_dir / f"{name}-{seed}-{per_class}{suffix}.jsonl" if args.samples_dir else None
    )
    if cached and cached.is_file():
        return load_samples(cached)
    specs = make_specs(
        per_class, seed=seed, layouts=layouts, capture=args.capture, fonts=tuple(fonts)
    )
    samples = ocr_samples(specs, workers=args.workers, progress=_progress(name))
    if cached:
        save_samples(samples, cached)
    return samples


def main(argv: list[str] | None = None) -> int:
    """Run the whole training (or, with --recalibrate, only the calibration); returns the
    process exit code."""
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    if args.recalibrate:
        clf = DocumentClassifier.load(args.out)
        if clf is None:
            print(f"no usable classifier artifact at {args.out}", file=sys.stderr)
            return 1
        clf.threshold = clf.raw_threshold
        clf.calibrator = None
        return _finish(args, clf, started)
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
    clf.metadata["ocr_seconds"] = ocr_seconds
    return _finish(args, clf, started)


def _finish(args, clf: DocumentClassifier, started: float) -> int:
    """Calibrate, measure on the held-out set, write the artifact and its metrics."""
    for key in (
        "calibration",
        "threshold_calibrated",
        "threshold_uncalibrated",
        "heldout_reliability",
    ):
        clf.metadata.pop(key, None)
    heldout = (
        _samples(args, "heldout", args.heldout_per_class, "heldout")
        if args.heldout_per_class > 0
        else []
    )
    if heldout:
        clf.metadata["heldout_reliability_uncalibrated"] = reliability(
            clf, heldout, calibrated=False
        )
    if args.calibration_per_class > 0:
        seed = args.seed + CALIBRATION_SEED_OFFSET
        print(f"rendering + OCR of {args.calibration_per_class} calibration documents per class")
        calibration = _samples(
            args,
            "calibration",
            args.calibration_per_class,
            "heldout",
            seed=seed,
            fonts=CALIBRATION_FONTS,
        )
        try:
            calibrate(clf, calibration, args.calibration_method)
        except ValueError as exc:  # e.g. a class with no readable calibration document
            print(f"not calibrated: {exc}", file=sys.stderr)
        else:
            clf.metadata["calibration"]["seed"] = seed
            print(
                f"calibrated ({args.calibration_method}) on {len(calibration)} documents; "
                f"abstention threshold {clf.raw_threshold} -> {clf.threshold}"
            )
    if heldout:
        clf.metadata["heldout"] = evaluate_samples(clf, heldout)
        clf.metadata["heldout_text_only"] = {
            k: v
            for k, v in evaluate_samples(
                clf, [Sample(s.doc_type, s.text, {}, capture=s.capture) for s in heldout]
            ).items()
            if k != "confusion"
        }
        if clf.calibrator is not None:
            clf.metadata["heldout_reliability"] = reliability(clf, heldout, calibrated=True)
    seconds = round(time.perf_counter() - started, 1)
    clf.metadata["calibrate_seconds" if args.recalibrate else "train_seconds"] = seconds
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
        for key in ("heldout_reliability_uncalibrated", "heldout_reliability"):
            if key in clf.metadata:
                figures = clf.metadata[key]
                print(f"{key}: ECE {figures['ece']:.4f}, Brier {figures['brier']:.4f}")
    return 0
