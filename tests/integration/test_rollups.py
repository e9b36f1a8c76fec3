"""The analytics rollups: the counters kept incrementally by the case events equal the ones
`flask analytics rebuild` recomputes from history; bulk history (the volume generator) is
read by the performance pages with a number of SQL statements that does not grow with it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Application,
    CaseRollup,
    DurationRollup,
    StepDurationRollup,
    StepRollup,
    TaskRollup,
)
from app.services import rollup_rebuild, volume
from tests.statements import counted_statements

TABLES = (CaseRollup, TaskRollup, DurationRollup, StepRollup, StepDurationRollup)


def _snapshot() -> dict:
    out = {}
    for model in TABLES:
        keys = [c.name for c in model.__table__.primary_key.columns]
        rows = db.session.execute(select(model.__table__)).mappings().all()
        out[model.__tablename__] = {
            tuple(r[k] for k in keys): {
                k: round(v, 9) if isinstance(v, float) else v for k, v in r.items() if k not in keys
            }
            for r in rows
        }
    return out


@pytest.mark.slow
def test_incremental_rollups_equal_a_rebuild_from_history(app, demo, wait_jobs):
    with app.app_context():
        ids = volume.template_cases(4, wait_jobs=wait_jobs)
        decided = [db.session.get(Application, i) for i in ids]
        assert sum(1 for a in decided if a.decision == "approved") == 3
        assert sum(1 for a in decided if a.decision == "rejected") == 1
        assert all(a.lead_working_days is not None for a in decided)
        incremental = _snapshot()
        cases = incremental["case_rollup"]
        assert sum(r["submitted"] for r in cases.values()) == 4
        assert sum(r["decided"] for r in cases.values()) == 4
        assert sum(r["ratings"] for r in cases.values()) == 3
        assert sum(r["entered"] for r in incremental["step_rollup"].values()) >= 8
        assert incremental["task_rollup"] and incremental["step_duration_rollup"]

        rebuilt_counts = rollup_rebuild.rebuild()
        assert _snapshot() == incremental
        assert rebuilt_counts["case_rollup"] == len(cases)


def _statements(app, client, url: str) -> int:
    with app.app_context():
        engine = db.engine
    client.get(url)  # caches warm (the session's user, the services' forms)
    with counted_statements(engine) as seen:
        resp = client.get(url)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return len(seen)


PAGES = (
    "/admin/",
    "/admin/performance?days=30",
    "/admin/performance?days=365",
    "/admin/performance/data.json?days=365",
)


@pytest.mark.slow
def test_statements_per_page_do_not_grow_with_history(app, demo, wait_jobs, make_client):
    admin = make_client()
    admin.login("admin")
    with app.app_context():
        ids = volume.template_cases(2, wait_jobs=wait_jobs)
        volume.clone(ids, 50)
        rollup_rebuild.rebuild()
    small = {url: _statements(app, admin, url) for url in PAGES}
    with app.app_context():
        volume.clone(ids, 1500, seed=12)
        rollup_rebuild.rebuild()
        assert db.session.query(Application).count() >= 1552
    large = {url: _statements(app, admin, url) for url in PAGES}
    assert large == small
    assert all(n < 40 for n in small.values()), small
