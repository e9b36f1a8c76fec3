"""Benchmark: the synthetic held-out targets of issue 17, per capture.

Renders a fresh held-out set (fonts and layout variants training never sees:
``python -m ml synth --heldout``) once per capture (clean and scan by default), reviews
every document as ``python -m ml evaluate`` does (no expected type, no applicant) and prints,
per capture: type accuracy (target >= 99%), `id_number` and `credit_code` exact (target
>= 98%) and person names exact (`name`, `legal_rep`; target >= 95%), with the documents that
missed. ``--check-digit-extra N`` adds N more ID card fronts, household registers and
business licences per capture, so that the two check-digit fields are measured on more
than a handful of documents.

    nice -n 10 .venv/bin/python benchmarks/heldout_synthetic.py [--per-class 10]
        [--check-digit-extra 30] [--captures clean,scan] [--seed 17]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["OMP_THREAD_LIMIT"] = "1"
os.environ.setdefault("ML_CACHE_DIR", "off")

CHECKED = ("id_card_front", "household_register", "business_license")
TARGETS = {"type": 0.99, "id_number": 0.98, "credit_code": 0.98, "names": 0.95}
NAME_FIELDS = ("name", "legal_rep")


def measure(folder: Path, workers: int) -> dict:
    from ml.evaluate import evaluate_dir

    return evaluate_dir(folder, workers=workers)


def merge(parts: list[dict]) -> dict:
    """Documents, type hits and field hits summed over evaluate_dir reports."""
    out = {"documents": 0, "typed": 0, "fields": {}, "errors": [], "field_errors": []}
    for part in parts:
        out["documents"] += part["documents"]
        out["typed"] += round(part["accuracy"] * part["documents"])
        for key, hits in part["field_exact_match"].items():
            matched, total = out["fields"].get(key, (0, 0))
            out["fields"][key] = (matched + hits["matched"], total + hits["total"])
        out["errors"] += part["errors"]
        out["field_errors"] += part["field_errors"]
    return out


def line(label: str, matched: int, total: int, target: float) -> str:
    rate = matched / total if total else 0.0
    mark = "ok" if total and rate >= target else "BELOW"
    return (
        f"  {label:12s} {matched:4d}/{total:<4d} {100 * rate:5.1f}%  "
        f"(target >= {100 * target:.0f}%) {mark}"
    )


def main(argv: list[str] | None = None) -> int:
    from ml.synthetic.cli import write_dataset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--check-digit-extra", type=int, default=30)
    parser.add_argument("--captures", default="clean,scan")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ow-heldout-"))
    started = time.perf_counter()
    for capture in args.captures.split(","):
        parts = []
        folder = work / capture
        write_dataset(folder, args.per_class, heldout=True, seed=args.seed, capture=capture)
        parts.append(measure(folder, args.workers))
        if args.check_digit_extra:
            extra = work / f"{capture}-checked"
            write_dataset(
                extra,
                args.check_digit_extra,
                heldout=True,
                seed=args.seed + 1,
                capture=capture,
                types=list(CHECKED),
            )
            parts.append(measure(extra, args.workers))
        report = merge(parts)
        fields = report["fields"]
        names = [fields.get(k, (0, 0)) for k in NAME_FIELDS]
        print(f"held-out {capture}: {report['documents']} documents")
        print(line("type", report["typed"], report["documents"], TARGETS["type"]))
        for key in ("id_number", "credit_code"):
            print(line(key, *fields.get(key, (0, 0)), TARGETS[key]))
        print(line("names", sum(m for m, _ in names), sum(t for _, t in names), TARGETS["names"]))
        for error in report["errors"]:
            print(f"    typed wrong: {error['file']} {error['doc_type']} -> {error['predicted']}")
        for error in report["field_errors"]:
            if error["field"] in ("id_number", "credit_code", *NAME_FIELDS):
                print(
                    f"    {error['field']}: {error['file']} {error['expected']!r} "
                    f"read {error['found']!r}"
                )
    print(f"wall clock {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
