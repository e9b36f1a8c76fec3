"""The shipped Prometheus alerting rules (deploy/prometheus/onewindow-alerts.yml) are well
formed and name only metrics that /metrics gives, and the endpoints they name exist."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from app.services import scheduler

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "onewindow-alerts.yml"
SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def _rules() -> list[dict]:
    return [
        rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]
    ]


def test_every_rule_has_a_name_an_expression_a_severity_and_a_summary():
    rules = _rules()
    assert len({r["alert"] for r in rules}) == len(rules) >= 8
    for rule in rules:
        assert rule["alert"].startswith("OneWindow") and rule["expr"].strip()
        assert rule["labels"]["severity"] in {"critical", "warning"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]


def test_the_rules_name_only_what_the_application_gives(app, demo, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "rules")
    with app.app_context():
        scheduler.tick(app)  # the scheduler's gauges exist once it has run
    client.get("/")
    body = client.get("/metrics", headers={"Authorization": "Bearer rules"}).get_data(as_text=True)
    given = {family.name for family in text_string_to_metric_families(body)}
    named = {m for rule in _rules() for m in re.findall(r"\bonewindow_\w+", rule["expr"])}
    assert named, "no application metric named"
    for metric in named:
        family = next((metric[: -len(s)] for s in SUFFIXES if metric.endswith(s)), metric)
        assert family in given, f"{metric} is not in /metrics"
    endpoints = {e for rule in _rules() for e in re.findall(r'endpoint="([^"]+)"', rule["expr"])}
    assert endpoints <= set(app.view_functions), endpoints - set(app.view_functions)
