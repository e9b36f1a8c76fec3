"""Benchmark: uploads avoided in the demo journeys by reuse (免提交), declarations (告知承诺)
and deferral (容缺受理).

Builds the demo on a fresh SQLite database and runs its sample cases through the services
(`app.services.demo.load_sample_cases`): the demo citizen's business registrations, then —
holding the licence an approved one issued — the application for 单位参保登记. For every
submitted case it counts the material uploads the service asks for (the baseline: every
required slot, and one per "one of these" group, uploaded as a file) against the files
actually uploaded, and prints how many uploads were avoided, by which means, and how many
form fields were prefilled from the verified identity and the certificates.

    .venv/bin/python benchmarks/uploads_avoided.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.demo_app import make_app  # noqa: E402


def needed_uploads(application) -> int:
    """What the case would need uploaded without reuse: each required slot, one per group."""
    materials = (application.service.definition or {}).get("materials", [])
    groups = {m["required_group"] for m in materials if m.get("required_group")}
    return sum(1 for m in materials if m.get("required")) + len(groups)


def prefilled_fields(application) -> int:
    """Form fields of the case whose schema prefills them (identity or certificate)."""
    from app.services import catalogue

    fields = catalogue.form_fields(catalogue.service_form(application.service))
    answers = application.form_data or {}
    return sum(
        1
        for f in fields
        if (f.get("prefill") or f.get("prefill_certificate")) and answers.get(f["name"])
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(f"sqlite:///{tmp}/bench.sqlite3", f"{tmp}/uploads")
        with app.app_context():
            from app.extensions import db
            from app.models import Application
            from app.services.demo import load_sample_cases

            made = load_sample_cases()
            db.session.expire_all()
            cases = db.session.execute(
                db.select(Application)
                .where(Application.case_number.is_not(None))
                .order_by(Application.id)
            ).scalars()
            total = {"needed": 0, "uploaded": 0, "ecertificate": 0, "declaration": 0}
            total.update({"deferred": 0, "prefilled": 0})
            print(f"{'case':<20} {'service':<24} needed uploaded avoided (cert/decl) deferred")
            for case in cases:
                kinds = [s.kind for s in case.material_substitutes]
                deferred_slots = {s.slot for s in case.material_substitutes if s.kind == "deferred"}
                uploaded = sum(
                    1 for a in case.attachments if not a.superseded and a.slot not in deferred_slots
                )
                row = {
                    "needed": needed_uploads(case),
                    "uploaded": uploaded,
                    "ecertificate": kinds.count("ecertificate"),
                    "declaration": kinds.count("declaration"),
                    "deferred": kinds.count("deferred"),
                    "prefilled": prefilled_fields(case),
                }
                for key, value in row.items():
                    total[key] += value
                print(
                    f"{case.case_number:<20} {case.service.code:<24} {row['needed']:>6} "
                    f"{row['uploaded']:>8} {row['ecertificate'] + row['declaration']:>7} "
                    f"({row['ecertificate']}/{row['declaration']}) {row['deferred']:>8}"
                )
            avoided = total["ecertificate"] + total["declaration"]
            print()
            print(f"sample cases made:                {made}")
            print(f"material uploads without reuse:   {total['needed']}")
            print(f"uploads at submission:            {total['uploaded']}")
            print(
                f"uploads avoided:                  {avoided} "
                f"(e-certificate {total['ecertificate']}, declaration {total['declaration']}); "
                f"{avoided / total['needed']:.0%} of the baseline"
            )
            print(f"uploads deferred after acceptance: {total['deferred']}")
            print(f"form fields prefilled:            {total['prefilled']}")
            db.session.remove()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
