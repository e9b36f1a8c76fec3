"""Evaluate the review pipeline on a labelled folder: ``python -m ml evaluate DIR [--json]``.

DIR/manifest.json lists ``{file, doc_type, fields}`` entries (``python -m ml synth``
writes one).  Every file goes through :func:`ml.review.review_document` (or, when the
review module is unavailable, OCR + the classifier alone); the report gives accuracy
per class, the confusion matrix and exact field matches per key.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ml.doctypes import DOC_TYPES, find

MAX_FIELD_ERRORS = 100  # examples of wrong or missing fields kept in the JSON output


def short_name(code: str) -> str:
    """The short name a type declares for report columns (unknown codes: cut to 12)."""
    doc_type = find(code)
    return doc_type.short if doc_type else code[:12]


def _review_one(path: str) -> dict:
    """Predicted doc_type and fields of one file (review pipeline, else OCR + classify)."""
    started = time.perf_counter()
    try:
        from ml.review import review_document
    except ImportError:
        review_document = None
    if review_document is not None:
        result = review_document(path)
        out = {
            "doc_type": result["doc_type"],
            "fields": result.get("fields", {}),
            "verdict": result.get("verdict"),
        }
    else:
        from PIL import Image

        from ml.classify import default_classifier, image_features
        from ml.synthetic.dataset import ocr_text

        with Image.open(path) as image:
            image = image.convert("RGB")
            text, _ = ocr_text(image)
            features = image_features(image)
        clf = default_classifier()
        out = {
            "doc_type": clf.predict(text, features).doc_type if clf else "other",
            "fields": {},
            "verdict": None,
        }
    out["seconds"] = round(time.perf_counter() - started, 3)
    return out


def _init_worker() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"


def field_value(found: object) -> object:
    """The plain value of an extracted field (review gives {"value", "text", "page", "box"})."""
    return found.get("value") if isinstance(found, dict) else found


def _same(expected: object, found: object) -> bool:
    value = field_value(found)
    return value is not None and str(expected).strip() == str(value).strip()


def evaluate_dir(directory: Path, *, workers: int = 2, limit: int | None = None) -> dict:
    """Run every manifest entry of *directory*; returns the metrics dictionary."""
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest[:limit] if limit else manifest
    paths = [str(directory / entry["file"]) for entry in entries]
    if workers > 1 and len(paths) > 1:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as pool:
            results = list(pool.map(_review_one, paths, chunksize=2))
    else:
        results = [_review_one(p) for p in paths]
    classes = list(DOC_TYPES)
    confusion = {t: dict.fromkeys(classes, 0) for t in classes}
    field_hits: dict[str, list[int]] = {}
    errors, field_errors = [], []
    for entry, result in zip(entries, results):
        truth, predicted = entry["doc_type"], result["doc_type"]
        row = confusion.setdefault(truth, dict.fromkeys(classes, 0))
        row[predicted] = row.get(predicted, 0) + 1
        if truth != predicted:
            errors.append({"file": entry["file"], "doc_type": truth, "predicted": predicted})
        for key, value in (entry.get("fields") or {}).items():
            found = result["fields"].get(key)
            field_hits.setdefault(key, []).append(int(_same(value, found)))
            if not _same(value, found) and len(field_errors) < MAX_FIELD_ERRORS:
                field_errors.append(
                    {
                        "file": entry["file"],
                        "field": key,
                        "expected": value,
                        "found": field_value(found),
                    }
                )
    per_class = {
        t: round(row[t] / sum(row.values()), 4) for t, row in confusion.items() if sum(row.values())
    }
    correct = sum(row[t] for t, row in confusion.items())
    return {
        "directory": str(directory),
        "documents": len(entries),
        "accuracy": round(correct / max(1, len(entries)), 4),
        "per_class": per_class,
        "confusion": confusion,
        "field_exact_match": {
            k: {"matched": sum(v), "total": len(v), "rate": round(sum(v) / len(v), 4)}
            for k, v in sorted(field_hits.items())
        },
        "seconds_per_document": round(sum(r["seconds"] for r in results) / max(1, len(results)), 3),
        "errors": errors,
        "field_errors": field_errors,
    }


def format_report(metrics: dict) -> str:
    """Human-readable report: accuracy per class, confusion matrix, field matches."""
    lines = [
        f"{metrics['documents']} documents in {metrics['directory']}",
        f"accuracy: {metrics['accuracy']:.4f}   ({metrics['seconds_per_document']} s per document)",
        "",
        "accuracy per class:",
    ]
    lines += [f"  {t:24s} {acc:.3f}" for t, acc in metrics["per_class"].items()]
    present = [t for t in DOC_TYPES if t in metrics["per_class"]]
    lines += [
        "",
        "confusion matrix (rows: truth, columns: predicted):",
        " " * 14 + " ".join(f"{short_name(t)[:5]:>5s}" for t in DOC_TYPES),
    ]
    for truth in present:
        row = metrics["confusion"][truth]
        lines.append(
            f"{short_name(truth):14s}" + " ".join(f"{row.get(p, 0):5d}" for p in DOC_TYPES)
        )
    lines += ["", "exact field matches:"]
    lines += [
        f"  {k:18s} {v['matched']:4d}/{v['total']:<4d} {v['rate']:.3f}"
        for k, v in metrics["field_exact_match"].items()
    ]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """Argument parser of the evaluate command."""
    parser = argparse.ArgumentParser(
        prog="python -m ml evaluate", description="Evaluate on a labelled folder."
    )
    parser.add_argument("directory", type=Path, help="folder with manifest.json")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, help="only the first N manifest entries")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the evaluate command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    if not (args.directory / "manifest.json").is_file():
        print(f"no manifest.json in {args.directory}", file=sys.stderr)
        return 2
    metrics = evaluate_dir(args.directory, workers=args.workers, limit=args.limit)
    print(json.dumps(metrics, ensure_ascii=False) if args.json else format_report(metrics))
    return 0
