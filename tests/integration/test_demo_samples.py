"""The demo's sample cases: made through the services (apply, auto-review, clerks decide,
the citizen rates), one in each state a case can be in, so the performance page has figures
and a clerk's first screen shows documents the review really read; a second load adds
nothing."""

from __future__ import annotations

from collections import Counter

from app.extensions import db
from app.models import Application, Attachment, Rating
from app.services import analytics, periods, ratings
from app.services.demo import SAMPLE_CASES, load_demo_data


def test_sample_cases_in_every_state_with_real_documents_once(app, ctx, wait_jobs):
    out = load_demo_data(sample_cases=True)
    if app.config.get("REDIS_URL"):  # on Celery the demo does not wait for a worker
        assert out["sample_cases"] == 0
        return
    assert out["sample_cases"] == len(SAMPLE_CASES) + 1  # and the reuse of the licence
    wait_jobs()
    db.session.expire_all()
    cases = db.session.execute(db.select(Application).order_by(Application.id)).scalars().all()
    states = Counter(c.status.value for c in cases)
    assert states == {
        "approved": 2,
        "rejected": 1,
        "in_review": 1,
        "correction": 1,
        "refused": 1,
        "submitted": 2,  # one waiting for intake, and the reuse of the licence
        "withdrawn": 1,
        "draft": 1,
    }, states
    reuse_case = cases[-1]
    assert reuse_case.service.code == "employer_insurance" and reuse_case.case_number
    assert {s.slot: s.kind for s in reuse_case.material_substitutes} == {
        "business_licence": "ecertificate",
        "lease": "declaration",
        "staff_list": "deferred",
    }
    assert [a.slot for a in reuse_case.attachments] == ["id_card_front"]
    levels = sorted(r.level for r in db.session.execute(db.select(Rating)).scalars())
    assert levels == sorted(r[0] for *_, r in SAMPLE_CASES if r)
    assert ratings.count_awaiting_follow_up() == sum(1 for *_, r in SAMPLE_CASES if r and r[0] <= 2)
    row = next(
        r
        for r in analytics.service_performance(periods.period(7))
        if r["code"] == "business_registration"
    )
    # not accepted (不予受理) counts as a rejection there
    assert (row["submitted"], row["approved"], row["rejected"]) == (len(SAMPLE_CASES), 2, 2)
    # The documents are rendered samples the review reads: the ID card is recognised and
    # its fields found where they are printed.
    front = db.session.execute(
        db.select(Attachment).where(Attachment.slot == "id_card_front").limit(1)
    ).scalar_one()
    assert front.original_name.endswith("_样本.png")
    assert front.review["doc_type"] == "id_card_front" and front.review["confidence"] > 0.5
    boxed = [k for k, f in front.review["fields"].items() if isinstance(f, dict) and f.get("box")]
    assert {"name", "id_number"} <= set(boxed)

    again = load_demo_data(sample_cases=True)
    assert again["sample_cases"] == 0
    total = db.session.execute(db.select(db.func.count()).select_from(Application)).scalar()
    assert total == len(SAMPLE_CASES) + 2  # and the draft to continue
