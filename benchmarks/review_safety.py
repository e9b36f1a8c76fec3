"""Benchmark: the auto-review never says `pass` when it must not (issue 4). Counts `pass` on
  (a) wrong type      -- every held-out document reviewed for a different slot,
  (b) name mismatch   -- applicant typed a different name/company (one character changed),
  (c) expired         -- ID card backs / passports reviewed with today = 2100-01-01,
  (d) bad check digit -- freshly rendered ID cards, household registers and licences
                         whose ID number / credit code carries a wrong check character,
and, as a control that the checks are not vacuous, the pass rate of (e) correct
applicant data on the right slot.
Documents are a fresh held-out synthetic set (fonts and layouts the model never saw, clean,
scan and photo captures), rendered into a temporary folder unless HELD_DIR is given.

    .venv/bin/python benchmarks/review_safety.py [--per-class 10] [--bad 12] [--held HELD_DIR]
"""

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["OMP_THREAD_LIMIT"] = "1"
N_BAD = 12
TODAY = dt.date(2026, 11, 22)
NAME_KEYS = ("name", "company_name", "legal_rep", "lessee", "employer")
OTHERS = [
    "id_card_front",
    "id_card_back",
    "business_license",
    "household_register",
    "lease_contract",
    "employment_certificate",
    "degree_certificate",
    "invoice",
    "passport",
]


def _change(name: str) -> str:
    return (
        ("赵" if name[0] != "赵" else "钱") + name[1:]
        if name and "\u4e00" <= name[0] <= "\u9fff"
        else (name[:-1] + ("A" if name[-1:] != "A" else "B"))
    )


def job(args):
    kind, path, expected, applicant, today = args
    from ml.review import review_document

    result = review_document(
        path, expected_type=expected, applicant=applicant, today=dt.date.fromisoformat(today)
    )
    return (
        kind,
        result["verdict"],
        [r["code"] for r in result["reasons"]],
        result["fields"].get("id_number", result["fields"].get("credit_code", {})).get("value"),
    )


def bad_docs(out: Path):
    import ml.synthetic.values as V
    from ml.synthetic import render

    real_id, real_cc = V.id_check_char, V.credit_check_char
    rng0 = random.Random(99)
    V.id_check_char = lambda f: V.ID_CHECK[
        (V.ID_CHECK.index(real_id(f)) + rng0.randint(1, 10)) % 11
    ]
    V.credit_check_char = lambda f: V.CREDIT_ALPHABET[
        (V.CREDIT_ALPHABET.index(real_cc(f)) + rng0.randint(1, 30)) % 31
    ]
    out.mkdir(exist_ok=True)
    docs = []
    for doc_type in ("id_card_front", "household_register", "business_license"):
        for i in range(N_BAD):
            rng = random.Random(f"bad:{doc_type}:{i}")
            capture = ("clean", "scan", "photo")[i % 3]
            image, fields = render(doc_type, rng, capture=capture, layouts="heldout")
            path = out / f"{doc_type}_{i:03d}.png"
            image.convert("RGB").save(path)
            docs.append((str(path), doc_type, fields, capture))
    V.id_check_char, V.credit_check_char = real_id, real_cc
    return docs


def main():
    global N_BAD
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--bad", type=int, default=12, help="bad-check-digit documents per type")
    parser.add_argument("--held", help="an existing held-out set (with manifest.json)")
    args = parser.parse_args()
    N_BAD = args.bad
    work = Path(tempfile.mkdtemp(prefix="ow-safety-"))
    if args.held:
        HELD = Path(args.held)
    else:
        from ml.synthetic.cli import main as synth_main

        HELD = work / "held"
        synth_main([str(HELD), "--per-class", str(args.per_class), "--heldout", "--seed", "777"])
    manifest = json.loads((HELD / "manifest.json").read_text())
    jobs = []
    for i, e in enumerate(manifest):
        path = str(HELD / e["file"])
        t = e["doc_type"]
        if t != "other":
            wrong = [o for o in OTHERS if o != t][i % 8]
            jobs.append(("wrong_type", path, wrong, None, TODAY.isoformat()))
        names = {k: v for k, v in e["fields"].items() if k in NAME_KEYS}
        if names:
            key, value = sorted(names.items())[i % len(names)]
            jobs.append(("name_mismatch", path, t, {key: _change(value)}, TODAY.isoformat()))
            jobs.append(("control_correct", path, t, dict(names), TODAY.isoformat()))
        if t in ("id_card_back", "passport") and e["fields"].get("valid_until") != "长期":
            jobs.append(("expired", path, t, None, "2100-01-01"))
    cache = work / "bad_check_digit"
    for path, t, _fields, capture in bad_docs(cache):
        jobs.append((f"bad_check_digit:{capture}", path, t, None, TODAY.isoformat()))
    counts = {}
    with ProcessPoolExecutor(2) as pool:
        for kind, verdict, _reasons, _value in pool.map(job, jobs, chunksize=4):
            c = counts.setdefault(kind, {"n": 0, "pass": 0})
            c["n"] += 1
            c["pass"] += verdict == "pass"
    for kind in sorted(counts):
        target = "(should pass: control)" if kind == "control_correct" else "(target 0)"
        print(f"{kind:24s} pass {counts[kind]['pass']:4d} / {counts[kind]['n']}  {target}")


if __name__ == "__main__":
    main()
