"""Every action the audit trail can record has a name on the auditors' pages, in both
languages (a new action without one would show its code)."""

from __future__ import annotations

from flask_babel import force_locale

from app.blueprints.audit import ACTION_LABELS
from app.domain.events import AUDIT_ACTIONS


def test_every_audit_action_has_a_label_in_chinese_and_english(app):
    assert set(ACTION_LABELS) == set(AUDIT_ACTIONS)
    with app.test_request_context():
        with force_locale("zh"):
            chinese = {a: str(label) for a, label in ACTION_LABELS.items()}
        with force_locale("en"):
            english = {a: str(label) for a, label in ACTION_LABELS.items()}
    for action in AUDIT_ACTIONS:
        assert english[action] != chinese[action], f"{action} has no Chinese name"
        assert all("\u4e00" <= ch <= "\u9fff" for ch in chinese[action] if ch.isalpha()), action
