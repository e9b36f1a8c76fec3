"""``python -m ml synth OUTDIR --per-class N [--heldout] [--seed S] [--capture ...]``.

Writes N documents per class as JPEG/PNG files plus ``manifest.json``: a list of
``{file, doc_type, fields, capture, layouts}`` entries (file relative to OUTDIR).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from ml.doctypes import is_known
from ml.synthetic import render, synthetic_types
from ml.synthetic.capture import CAPTURES


def build_parser() -> argparse.ArgumentParser:
    """Argument parser of the synth command."""
    parser = argparse.ArgumentParser(
        prog="python -m ml synth", description="Write synthetic documents."
    )
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--per-class", type=int, default=10, help="documents per class")
    parser.add_argument("--heldout", action="store_true", help="held-out fonts and layout variants")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--capture",
        choices=(*CAPTURES, "mixed"),
        default="mixed",
        help="capture simulation (mixed: clean/scan/photo)",
    )
    parser.add_argument(
        "--types",
        default=",".join(synthetic_types()),
        help="comma-separated doc types (default: every type with a synthetic generator)",
    )
    return parser


def pick_capture(rng: random.Random, capture: str) -> str:
    """Resolve "mixed" into clean (30%), scan (40%) or photo (30%)."""
    if capture != "mixed":
        return capture
    roll = rng.random()
    return "clean" if roll < 0.3 else "scan" if roll < 0.7 else "photo"


def write_dataset(
    outdir: Path,
    per_class: int,
    *,
    heldout: bool = False,
    seed: int = 0,
    capture: str = "mixed",
    types: list[str] | None = None,
) -> list[dict]:
    """Render *per_class* documents per type into *outdir*; return the manifest entries."""
    outdir.mkdir(parents=True, exist_ok=True)
    layouts = "heldout" if heldout else "train"
    manifest = []
    for doc_type in types or synthetic_types():
        for i in range(per_class):
            rng = random.Random(f"{seed}:{layouts}:{doc_type}:{i}")
            cap = pick_capture(rng, capture)
            image, fields = render(doc_type, rng, capture=cap, layouts=layouts)
            name = f"{doc_type}_{i:04d}.{'png' if cap == 'clean' else 'jpg'}"
            if cap == "clean":
                image.save(outdir / name, optimize=True)
            else:
                image.save(outdir / name, quality=92)
            manifest.append(
                {
                    "file": name,
                    "doc_type": doc_type,
                    "fields": fields,
                    "capture": cap,
                    "layouts": layouts,
                }
            )
    (outdir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Run the synth command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    types = [t.strip() for t in args.types.split(",") if t.strip()]
    unknown = [t for t in types if not is_known(t)]
    if unknown:
        print(f"unknown doc types: {', '.join(unknown)}")
        return 2
    without_generator = [t for t in types if t not in synthetic_types()]
    if without_generator:
        print(f"doc types without a synthetic generator: {', '.join(without_generator)}")
        return 2
    manifest = write_dataset(
        args.outdir,
        args.per_class,
        heldout=args.heldout,
        seed=args.seed,
        capture=args.capture,
        types=types,
    )
    print(f"wrote {len(manifest)} documents to {args.outdir}")
    return 0
