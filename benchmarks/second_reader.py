"""Benchmark: the second OCR reader for names (issue 17) against Tesseract alone.

Renders N held-out ID card fronts (fonts and layout variants the model never saw; clean,
scan and phone-photo captures in turn) and reviews each with the second opinion off
(Tesseract alone, as before) and on (RapidOCR re-reads a doubtful name's line), in the same
worker processes, interleaved. Prints:

* names read exactly: by Tesseract (the extracted field), by RapidOCR on the name's crop,
  by either, and as the review reports them with the second reader on and no applicant's
  name given (the reading :func:`ml.names.choose_reading` settles on; a name Tesseract did
  not find is looked for in RapidOCR's reading of the page);
* good ID cards auto-passed (the applicant typed the card's own name and number);
* `pass` on must-flag documents, both modes (target 0): the applicant's name with another
  surname, with its last glyph changed, and a name read with low confidence with no
  applicant's name to compare;
* review seconds per page for both modes (OCR included, cache off, each review timed in
  its worker) and their ratio (target <= 1.5), and the cost of one second look (what a page
  whose name needs a second opinion pays on top), as a worst-case ratio.

    nice -n 10 .venv/bin/python benchmarks/second_reader.py --cards 40 --workers 2 [--start 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["OMP_THREAD_LIMIT"] = "1"
os.environ["ML_CACHE_DIR"] = "off"  # every timed review reads its page

TODAY = dt.date(2026, 11, 22)
CAPTURES = ("clean", "scan", "photo")
OTHER_GLYPHS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def other_surname(name: str) -> str:
    return ("赵" if name[0] != "赵" else "钱") + name[1:]


def other_last_glyph(name: str) -> str:
    return name[:-1] + next(g for g in OTHER_GLYPHS if g != name[-1])


def render_card(index: int) -> tuple[bytes, dict, str]:
    from ml.synthetic import render

    capture = CAPTURES[index % len(CAPTURES)]
    image, fields = render(
        "id_card_front", random.Random(f"second-reader:{index}"), capture=capture, layouts="heldout"
    )
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue(), fields, capture


def _init() -> None:
    from ml.review import warm_up

    warm_up()  # both engines and the classifier loaded before any page is timed


def one_card(index: int) -> dict:
    from ml.fields.recover import LOW_CONF, word_confidence
    from ml.ocr import run_ocr
    from ml.ocr.reread import page_images
    from ml.ocr.second import read_line_again
    from ml.review import review_document

    data, truth, capture = render_card(index)
    name = truth["name"]
    good = {"name": name, "id_number": truth["id_number"]}
    out = {"capture": capture, "seconds": {}, "pass": {}}
    modes = (False, True) if index % 2 == 0 else (True, False)  # interleaved order
    for second in modes:
        started = time.perf_counter()
        result = review_document(
            data, expected_type="id_card_front", applicant=good, today=TODAY, second_opinion=second
        )
        out["seconds"][second] = time.perf_counter() - started
        out["pass"][("good", second)] = result["verdict"] == "pass"
    ocr = run_ocr(data, cache=False)
    record = None
    reported = {}  # the name each mode reports with no applicant's name to lean on
    for second in (False, True):
        for kind, applicant in (
            ("other_surname", {"name": other_surname(name)}),
            ("other_last_glyph", {"name": other_last_glyph(name)}),
            ("no_applicant", None),
        ):
            result = review_document(
                data,
                expected_type="id_card_front",
                applicant=applicant,
                today=TODAY,
                ocr_result=ocr,
                second_opinion=second,
            )
            record = result["fields"].get("name")
            if kind == "no_applicant":
                reported[second] = record["value"] if record else ""
                first = record.get("first_reading", record["value"]) if record else None
                conf = word_confidence(ocr, record) if first else None
                if first and (conf is None or conf >= LOW_CONF):
                    continue  # only low-confidence (or unfound) names must be flagged here
            out["pass"][(kind, second)] = result["verdict"] == "pass"
    read = reported[False]
    box = record.get("box") if record else None
    started = time.perf_counter()  # one second look: page decoded again + the name's crop
    again = read_line_again(page_images(data, ocr)[0], box) if box else None
    out["second_look_seconds"] = time.perf_counter() - started if box else None
    out["tesseract_exact"] = read == name
    out["second_exact"] = bool(again) and again.text == name
    out["reported_exact"] = reported[True] == name
    if read != name or reported[True] != name:
        out["miss"] = (
            f"{capture}: {name} Tesseract {read!r}, second on the crop "
            f"{again.text if again else None!r}, reported {reported[True]!r}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--start",
        type=int,
        default=0,
        help="first card's number: cards from 1000 on were never looked at while tuning",
    )
    args = parser.parse_args(argv)
    from ml.ocr.second import second_engine

    if second_engine() is None:
        print("the second reader (rapidocr) is not installed: nothing to compare")
        return 0
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers, initializer=_init) as pool:
        rows = list(pool.map(one_card, range(args.start, args.start + args.cards)))
    n = len(rows)

    def pct(count: int, total: int) -> str:
        return f"{count:3d}/{total:<3d} {100 * count / max(total, 1):5.1f}%"

    tess = sum(r["tesseract_exact"] for r in rows)
    rapid = sum(r["second_exact"] for r in rows)
    either = sum(r["tesseract_exact"] or r["second_exact"] for r in rows)
    print(
        f"held-out ID card fronts: {n} (cards {args.start}-{args.start + n - 1}; "
        f"{', '.join(CAPTURES)} in turn), workers {args.workers}"
    )
    print(f"names exact, Tesseract alone          {pct(tess, n)}")
    print(f"names exact, RapidOCR on the name crop {pct(rapid, n)}")
    print(f"names exact, either reader             {pct(either, n)}")
    reported = sum(r["reported_exact"] for r in rows)
    print(f"names exact, as the review reports them {pct(reported, n)} (second reader on)")
    for label, second in (("Tesseract alone", False), ("with second reader", True)):
        good = sum(r["pass"][("good", second)] for r in rows)
        print(f"good cards auto-passed, {label:18s} {pct(good, n)}")
    for kind in ("other_surname", "other_last_glyph", "no_applicant"):
        for label, second in (("Tesseract alone", False), ("with second reader", True)):
            cases = [r["pass"][(kind, second)] for r in rows if (kind, second) in r["pass"]]
            print(f"must flag {kind:16s} {label:18s} pass {sum(cases)} / {len(cases)} (target 0)")
    alone = sum(r["seconds"][False] for r in rows) / n
    both = sum(r["seconds"][True] for r in rows) / n
    print(f"review s/page, Tesseract alone   {alone:.3f}")
    print(f"review s/page, with second reader {both:.3f}  ratio {both / alone:.2f} (target <= 1.5)")
    looks = [r["second_look_seconds"] for r in rows if r["second_look_seconds"] is not None]
    if looks:
        print(
            f"one second look (decode + name crop read), mean {sum(looks) / len(looks):.3f} s, "
            f"max {max(looks):.3f} s: worst case (every page looked at twice) "
            f"ratio {(alone + sum(looks) / len(looks)) / alone:.2f}"
        )
    for capture in CAPTURES:
        part = [r for r in rows if r["capture"] == capture]
        if part:
            a = sum(r["seconds"][False] for r in part) / len(part)
            b = sum(r["seconds"][True] for r in part) / len(part)
            print(f"  {capture:5s} {a:.3f} -> {b:.3f} s/page (ratio {b / a:.2f})")
    misses = [r["miss"] for r in rows if "miss" in r]
    if misses:
        print("names Tesseract or the review did not read exactly:")
        for miss in misses:
            print("  " + miss)
    print(f"wall clock {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
