"""Command line of the ml package: ``python -m ml review|evaluate|train|synth``.

``review`` prints one JSON object per line per file (keys: file, doc_type, confidence,
type_basis, fields, checks, verdict, reasons, ocr_seconds; ``--full`` adds text and word
boxes). type_basis is "anchors" when the type's printed evidence decided it (confidence is
then the model's probability for that type), else "model". Each
field is a record ``{"value", "text", "page", "box"}``: the normalised value, the OCR text it
was read from, the page (from 0) and the box [x, y, width, height] in that page's pixels.
``evaluate``, ``train`` and ``synth`` are handed to :mod:`ml.evaluate`, :mod:`ml.train`
and :mod:`ml.synthetic`.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor

from ml.doctypes import DOC_TYPES

REVIEW_KEYS = (
    "file",
    "doc_type",
    "confidence",
    "type_basis",
    "fields",
    "checks",
    "verdict",
    "reasons",
    "ocr_seconds",
)
USAGE = """usage: python -m ml COMMAND [ARGS]

commands:
  review FILE... [--expect TYPE] [--applicant JSON] [--engine NAME] [--workers N] [--full]
                          one JSON line per file; each field is a record
                          {"value", "text", "page", "box"} (box: [x, y, width, height])
  evaluate DIR            accuracy, confusion matrix and field matches on DIR/manifest.json
  train [ARGS]            reproduce the committed classifier
  synth OUTDIR --per-class N [--heldout]   write synthetic documents + manifest.json
"""


def _review_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ml review",
        description="Auto-review documents; one JSON line each.",
        epilog='Each field is printed as a record {"value": normalised value, "text": the OCR '
        'text it was read from, "page": page index from 0, "box": [x, y, width, height] in '
        "that page's pixels, or null}.",
    )
    parser.add_argument("files", nargs="+", help="images or PDFs to review")
    parser.add_argument("--expect", choices=DOC_TYPES, help="document type the service asks for")
    parser.add_argument("--applicant", help='JSON object, e.g. \'{"name": "张三"}\'')
    parser.add_argument("--engine", default="tesseract", help="OCR engine (default tesseract)")
    parser.add_argument("--workers", type=int, default=1, help="parallel processes (default 1)")
    parser.add_argument("--full", action="store_true", help="also print OCR text and word boxes")
    return parser


def _review_one(job: tuple[str, dict, bool]) -> dict:
    from ml.ocr import EngineUnavailable
    from ml.review import review_document

    path, options, full = job
    try:
        result = review_document(path, **options)
    except EngineUnavailable as exc:
        return {"file": path, "error": f"engine unavailable: {exc}"}
    return result if full else {key: result[key] for key in REVIEW_KEYS}


def review_main(argv: list[str]) -> int:
    """``python -m ml review``: print one JSON line per file; exit 2 on bad arguments."""
    args = _review_parser().parse_args(argv)
    applicant = None
    if args.applicant:
        try:
            applicant = json.loads(args.applicant)
        except json.JSONDecodeError as exc:
            print(f"--applicant is not valid JSON: {exc}", file=sys.stderr)
            return 2
        if not isinstance(applicant, dict):
            print("--applicant must be a JSON object", file=sys.stderr)
            return 2
    from ml.ocr import available_engines

    if args.engine not in available_engines():
        print(
            f"unknown engine {args.engine!r}; known: {', '.join(available_engines())}",
            file=sys.stderr,
        )
        return 2
    options = {"expected_type": args.expect, "applicant": applicant, "engine": args.engine}
    jobs = [(path, options, args.full) for path in args.files]
    if args.workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            results = pool.map(_review_one, jobs)
            for result in results:
                print(json.dumps(result, ensure_ascii=False), flush=True)
    else:
        for job in jobs:
            print(json.dumps(_review_one(job), ensure_ascii=False), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``python -m ml COMMAND``; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "review":
        return review_main(rest)
    if command == "evaluate":
        from ml.evaluate import main as evaluate_main

        return int(evaluate_main(rest) or 0)
    if command == "train":
        from ml.train import main as train_main

        return int(train_main(rest) or 0)
    if command == "synth":
        from ml.synthetic.cli import main as synth_main

        return int(synth_main(rest) or 0)
    print(f"unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2
