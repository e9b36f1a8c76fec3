"""The demo's sample cases: made through the services (apply, auto-review, clerks decide,
the citizen rates), so the performance page has figures; a second load adds nothing."""

from __future__ import annotations

from app.extensions import db
from app.models import Application, Rating
from app.services import analytics, periods, ratings
from app.services.demo import SAMPLE_CASES, load_demo_data


def test_sample_cases_fill_the_performance_page_once(app, ctx, wait_jobs):
    out = load_demo_data(sample_cases=True)
    if app.config.get("REDIS_URL"):  # on Celery the demo does not wait for a worker
        assert out["sample_cases"] == 0
        return
    assert out["sample_cases"] == len(SAMPLE_CASES) + 1  # and the reuse of the licence
    wait_jobs()
    db.session.expire_all()
    cases = db.session.execute(db.select(Application).order_by(Application.id)).scalars().all()
    assert [c.decision for c in cases] == ["approved", "approved", "rejected", None, None]
    reuse_case = cases[-1]
    assert reuse_case.service.code == "employer_insurance" and reuse_case.case_number
    assert {s.slot: s.kind for s in reuse_case.material_substitutes} == {
        "business_licence": "ecertificate",
        "lease": "declaration",
        "staff_list": "deferred",
    }
    assert [a.slot for a in reuse_case.attachments] == ["id_card_front"]
    levels = sorted(r.level for r in db.session.execute(db.select(Rating)).scalars())
    assert levels == sorted(r[0] for _, r in SAMPLE_CASES if r)
    assert ratings.count_awaiting_follow_up() == sum(1 for _, r in SAMPLE_CASES if r and r[0] <= 2)
    row = next(
        r
        for r in analytics.service_performance(periods.period(7))
        if r["code"] == "business_registration"
    )
    assert (row["submitted"], row["open"], row["approved"], row["rejected"]) == (4, 1, 2, 1)
    assert row["ratings"] == len(levels)

    again = load_demo_data(sample_cases=True)
    assert again["sample_cases"] == 0
    assert db.session.execute(db.select(db.func.count()).select_from(Application)).scalar() == 5
