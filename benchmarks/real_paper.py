"""Benchmark: the auto-review on real paper nobody on this project made (issue 17).

Reads the folder given by --data or REAL_PAPER_DIR (real scans nobody here made; they are never
copied into the repository, nor anything derived from them):
  sroie-dev/  scanned shop receipts, reviewed for an `invoice` slot: typed `invoice` %,
              total found % and date found % (against key/*.json);
  funsd-dev/  scanned English business forms, reviewed with no expected type: typed `other` %
              and how many were typed `passport` or `id_card_*` (must be none).
Prints the confusion matrix of both sets and the review time per page. Skips (exit 0) when
no folder is given or it lacks the two sets. OCR is not cached unless --cache DIR is given,
so times are honest.

    REAL_PAPER_DIR=DIR nice -n 10 .venv/bin/python benchmarks/real_paper.py [--limit N]
"""

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal, InvalidOperation
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["OMP_THREAD_LIMIT"] = "1"
_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()


def truth_date(text: str) -> str | None:
    """The key's date (28/02/2016, 22-04-16, 2016/05/01, 01-NOV-2017, OCT 3, 2016, 15 MAY 2018)
    as ISO; parsed here, independently of the code under test."""
    text = text.upper().strip()
    if m := re.fullmatch(r"(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})", text):
        y, mo, d = (int(g) for g in m.groups())
    elif m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", text):
        d, mo, y = (int(g) for g in m.groups())
    elif m := re.fullmatch(r"(\d{1,2})[ -]([A-Z]{3})[ -](\d{2}|\d{4})", text):
        d, mo, y = int(m.group(1)), _MONTHS.index(m.group(2)) + 1, int(m.group(3))
    elif m := re.fullmatch(r"([A-Z]{3}) (\d{1,2}), (\d{4})", text):
        mo, d, y = _MONTHS.index(m.group(1)) + 1, int(m.group(2)), int(m.group(3))
    else:
        return None
    y = y + 2000 if y < 100 else y
    return f"{y:04d}-{mo:02d}-{d:02d}"


def truth_total(text: str) -> str | None:
    """The key's total (110.00, RM 12.50, $8.20) as a plain two-decimal figure."""
    try:
        figure = Decimal(re.sub(r"[^\d.]", "", text))
    except InvalidOperation:
        return None
    return f"{figure:.2f}"


def _same_amount(found: object, want: str | None) -> bool:
    try:
        return want is not None and f"{Decimal(str(found)):.2f}" == want
    except InvalidOperation:
        return False


def review_one(job: tuple[str, str, str | None]) -> dict:
    """One file through the review the application runs; its type, fields and wall time."""
    kind, path, expected = job
    from ml.review import review_document

    started = time.perf_counter()
    result = review_document(path, expected_type=expected)
    seconds = time.perf_counter() - started
    return {
        "kind": kind,
        "file": Path(path).name,
        "doc_type": result["doc_type"],
        "confidence": result["confidence"],
        "fields": {k: v.get("value") for k, v in result["fields"].items()},
        "verdict": result["verdict"],
        "pages": max(1, len(result["pages"])),
        "seconds": seconds,
    }


def jobs(data: Path, limit: int | None) -> list[tuple[str, str, str | None]]:
    receipts = sorted((data / "sroie-dev" / "img").glob("*.jpg"))[:limit]
    forms = sorted((data / "funsd-dev" / "images").glob("*.png"))[:limit]
    return [("sroie", str(p), "invoice") for p in receipts] + [
        ("funsd", str(p), None) for p in forms
    ]


def confusion(results: list[dict], truth: str) -> str:
    counts = Counter(r["doc_type"] for r in results)
    cells = ", ".join(f"{t} {n}" for t, n in counts.most_common())
    return f"  truth {truth:8s} ({len(results):3d}) -> predicted: {cells}"


def pct(part: int, whole: int) -> str:
    return f"{part}/{whole} = {100 * part / max(1, whole):.1f}%"


def report(data: Path, results: list[dict], wall: float, workers: int) -> dict:
    sroie = [r for r in results if r["kind"] == "sroie"]
    funsd = [r for r in results if r["kind"] == "funsd"]
    totals = dates = 0
    misses = []
    for r in sroie:
        key = json.loads((data / "sroie-dev" / "key" / f"{Path(r['file']).stem}.json").read_text())
        got_total = _same_amount(r["fields"].get("total"), truth_total(key.get("total", "")))
        got_date = r["fields"].get("issue_date") == truth_date(key.get("date", ""))
        totals += got_total
        dates += got_date
        if not (got_total and got_date):
            misses.append((r["file"], key.get("date"), key.get("total"), r["fields"]))
    typed_invoice = sum(r["doc_type"] == "invoice" for r in sroie)
    typed_other = sum(r["doc_type"] == "other" for r in funsd)
    identity = sum(
        r["doc_type"] == "passport" or r["doc_type"].startswith("id_card") for r in funsd
    )
    pages = sum(r["pages"] for r in results)
    per_page = sum(r["seconds"] for r in results) / max(1, pages)
    print(f"sroie-dev: {len(sroie)} receipts reviewed for an invoice slot")
    print(f"  typed invoice   {pct(typed_invoice, len(sroie))}   (target >= 95%)")
    print(f"  total found     {pct(totals, len(sroie))}   (target >= 80%)")
    print(f"  date found      {pct(dates, len(sroie))}   (target >= 85%)")
    print(f"funsd-dev: {len(funsd)} business forms reviewed with no expected type")
    print(f"  typed other     {pct(typed_other, len(funsd))}   (target >= 95%)")
    print(f"  typed passport or id_card_*: {identity}   (target 0)")
    print("confusion (rows: truth):")
    print(confusion(sroie, "invoice"))
    print(confusion(funsd, "other"))
    print(
        f"review time: {per_page:.2f} s per page (one process), {pages} pages, "
        f"{wall:.1f} s wall with {workers} workers"
    )
    if os.environ.get("REAL_PAPER_VERBOSE"):
        for miss in misses:
            print("  miss", *miss)
    return {
        "typed_invoice": typed_invoice / max(1, len(sroie)),
        "total_found": totals / max(1, len(sroie)),
        "date_found": dates / max(1, len(sroie)),
        "typed_other": typed_other / max(1, len(funsd)),
        "identity_types_on_forms": identity,
        "seconds_per_page": per_page,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=os.environ.get("REAL_PAPER_DIR"))
    parser.add_argument("--limit", type=int, help="only the first N files of each set")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache", help="OCR cache folder (default: no cache, honest times)")
    args = parser.parse_args(argv)
    if not args.data or not all((args.data / s).is_dir() for s in ("sroie-dev", "funsd-dev")):
        print(f"skipped: no sroie-dev/ and funsd-dev/ in {args.data}")
        return 0
    os.environ["ML_CACHE_DIR"] = args.cache or "off"
    todo = jobs(args.data, args.limit)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(review_one, todo, chunksize=1))
    report(args.data, results, time.perf_counter() - started, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
