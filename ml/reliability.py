"""How far a classifier's probabilities can be trusted: calibration figures (issue 17).

Pure numpy over a probability matrix (rows: documents, columns: *classes*) and the true
labels, used by :mod:`ml.train` (figures stored in the artifact's metrics) and by
``benchmarks/calibration.py``:

* :func:`expected_calibration_error` -- ECE of the top-label confidence in equal-width bins
  (the gap between how sure the model is and how often it is right, weighted by bin size);
* :func:`per_class` -- for each class, its one-vs-rest ECE (the class's probability against
  "the document is of this class") and Brier score, with the class's support;
* :func:`reliability_table` -- accuracy against confidence, bin by bin.
"""

from __future__ import annotations

import numpy as np

BINS = 10


def _bin_of(confidence: np.ndarray, bins: int) -> np.ndarray:
    """Bin index of every confidence in [0, 1] (1.0 falls in the last bin)."""
    return np.minimum((np.asarray(confidence, dtype=np.float64) * bins).astype(int), bins - 1)


def _ece(confidence: np.ndarray, hit: np.ndarray, bins: int) -> float:
    confidence = np.asarray(confidence, dtype=np.float64)
    hit = np.asarray(hit, dtype=np.float64)
    if confidence.size == 0:
        return 0.0
    index = _bin_of(confidence, bins)
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.sum() * abs(confidence[mask].mean() - hit[mask].mean())
    return float(total / confidence.size)


def top_label(
    probs: np.ndarray, classes: list[str], labels: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """(confidence of the most probable class, 1 where that class is the true label)."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.size == 0:
        return np.zeros(0), np.zeros(0)
    best = probs.argmax(axis=1)
    hit = np.array([classes[b] == label for b, label in zip(best, labels)], dtype=np.float64)
    return probs.max(axis=1), hit


def expected_calibration_error(
    probs: np.ndarray, classes: list[str], labels: list[str], bins: int = BINS
) -> float:
    """ECE of the top-label confidence in *bins* equal-width bins (0 = perfectly calibrated)."""
    confidence, hit = top_label(probs, classes, labels)
    return _ece(confidence, hit, bins)


def per_class(
    probs: np.ndarray, classes: list[str], labels: list[str], bins: int = BINS
) -> dict[str, dict]:
    """For each class: documents of that class, one-vs-rest ECE and Brier score.

    A class's probability is judged on every document (not only its own), so a type that
    is given 0.9 on documents of another type scores badly even with no document of its own.
    """
    probs = np.asarray(probs, dtype=np.float64)
    out = {}
    for column, name in enumerate(classes):
        truth = np.array([label == name for label in labels], dtype=np.float64)
        p = probs[:, column] if probs.size else np.zeros(0)
        out[name] = {
            "support": int(truth.sum()),
            "ece": round(_ece(p, truth, bins), 4),
            "brier": round(float(np.mean((p - truth) ** 2)) if p.size else 0.0, 4),
        }
    return out


def reliability_table(
    probs: np.ndarray, classes: list[str], labels: list[str], bins: int = BINS
) -> list[dict]:
    """Accuracy against top-label confidence: one row per non-empty bin, lowest first."""
    confidence, hit = top_label(probs, classes, labels)
    index = _bin_of(confidence, bins)
    rows = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            rows.append(
                {
                    "bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}",
                    "documents": int(mask.sum()),
                    "confidence": round(float(confidence[mask].mean()), 4),
                    "accuracy": round(float(hit[mask].mean()), 4),
                }
            )
    return rows


def summary(probs: np.ndarray, classes: list[str], labels: list[str], bins: int = BINS) -> dict:
    """ECE, mean Brier over classes (multi-class Brier / classes), top-1 accuracy and the
    per-class figures, as one JSON-ready dict."""
    confidence, hit = top_label(probs, classes, labels)
    classes_figures = per_class(probs, classes, labels, bins)
    brier = float(np.mean([c["brier"] for c in classes_figures.values()])) if classes else 0.0
    return {
        "documents": int(hit.size),
        "top1_accuracy": round(float(hit.mean()) if hit.size else 0.0, 4),
        "mean_confidence": round(float(confidence.mean()) if confidence.size else 0.0, 4),
        "ece": round(_ece(confidence, hit, bins), 4),
        "brier": round(brier, 4),
        "per_class": classes_figures,
    }
