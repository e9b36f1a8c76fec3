"""The declarations of materials that need no upload (forms/*.json, services.json): each
certificate a slot or a field names is one a shipped service issues, and a bad rule is
refused when the catalogue is read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.services.material_rules import rule_problems

ROOT = Path(__file__).parents[2]
SERVICES = json.loads((ROOT / "workflows" / "services.json").read_text("utf-8"))["services"]
ISSUED = {s["certificate"]["type"] for s in SERVICES if s.get("certificate")}


def _form(code: str) -> dict:
    return json.loads((ROOT / "forms" / f"{code}.json").read_text("utf-8"))


@pytest.mark.parametrize("service", SERVICES, ids=[s["code"] for s in SERVICES])
def test_shipped_declarations_name_issued_certificates_and_hold(service):
    form = _form(service["form"])
    assert rule_problems(service, form) == []
    for m in form["materials"]:
        assert m.get("ecertificate", next(iter(ISSUED))) in ISSUED, m["slot"]
    for f in (f for s in form["sections"] for f in s["fields"]):
        spec = f.get("prefill_certificate")
        if spec:
            assert spec["type"] in ISSUED and spec["value"], f["name"]


def test_the_demo_service_reuses_declares_and_defers():
    form = _form("employer_insurance")
    kinds = {
        m["slot"]: {k for k in ("ecertificate", "declarable", "deferrable") if m.get(k)}
        for m in form["materials"]
    }
    assert kinds["business_licence"] == {"ecertificate"}
    assert kinds["lease"] == {"declarable"} and kinds["staff_list"] == {"deferrable"}


def test_bad_rules_are_named():
    entry = {"code": "x", "deferred_materials": {"on_missing": "explode", "working_days": 0}}
    form = {
        "materials": [
            {"slot": "a", "declarable": {"zh": "承诺"}, "deferrable": True},
            {"slot": "b", "declarable": "I promise"},
        ]
    }
    problems = rule_problems(entry, form)
    assert len(problems) == 4
    assert any("on_missing" in p for p in problems) and any("b.declarable" in p for p in problems)
