"""Steps of the reuse journey (免提交, 告知承诺, 容缺受理), for integration tests and the
benchmark: a citizen whose 企业开办 was approved holds the business licence, then applies
for 单位参保登记 (employer_insurance), which reuses the licence by reference, takes a
declaration instead of the proof of premises, and lets the staff list follow later."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Application, ECertificate
from tests import decisions, journeys

SERVICE = "employer_insurance"


def licensed_citizen(app, client, make_client, wait_jobs, *, seed: int, mobile: str) -> dict:
    """A citizen (logged in on `client`) whose business registration was approved: their
    company's licence is in the register. Returns its number, id, holder name and code."""
    app_id = decisions.decided_case(app, client, make_client, wait_jobs, seed=seed, mobile=mobile)
    wait_jobs()
    with app.app_context():
        cert = db.session.execute(
            db.select(ECertificate).where(ECertificate.application_id == app_id)
        ).scalar_one()
        return {
            "id": cert.id,
            "number": cert.number,
            "holder_name": cert.holder_name,
            "holder_code": cert.holder_code,
            "person": journeys.make_materials(seed=seed)["person"],
            "mobile": mobile,
        }


def start(client) -> int:
    """Open the guide and apply; returns the draft's id."""
    assert client.get(f"/services/{SERVICE}").status_code == 200
    resp = client.post(f"/services/{SERVICE}/apply")
    assert resp.status_code == 302
    return int(re.search(r"/applications/(\d+)", resp.headers["Location"]).group(1))


def prefilled(app, app_id: int) -> dict:
    """The draft's form values as prefilled."""
    with app.app_context():
        return dict(db.session.get(Application, app_id).form_data or {})


def fill_form(client, app_id: int, values: dict) -> None:
    """Send the form: the prefilled values plus what only the applicant knows."""
    data = dict(values)
    data.update({"employees": "12", "insured_from": "2026-01-01"})
    resp = client.post(f"/applications/{app_id}", data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]


def use_certificate(client, app_id: int, certificate_id: int, slot: str = "business_licence"):
    """Press "use my e-certificate" for `slot` (its message, flashed, in English)."""
    return client.post(
        f"/applications/{app_id}/materials/{slot}/certificate?lang=en",
        {"certificate_id": str(certificate_id)},
    )


def declare(client, app_id: int, slot: str = "lease", agree: bool = True):
    """Sign the declaration of `slot` (or press the button without ticking)."""
    return client.post(
        f"/applications/{app_id}/materials/{slot}/declaration?lang=en",
        {"agree": "yes"} if agree else {},
    )


def submitted(app, client, wait_jobs, licence: dict, *, accept: bool = True) -> int:
    """Apply for employer_insurance with the licence by reference, the lease by declaration,
    the ID card uploaded and the staff list left to follow; submit and (unless
    `accept=False`) accept at intake. Returns the application id."""
    app_id = start(client)
    fill_form(client, app_id, prefilled(app, app_id))
    assert use_certificate(client, app_id, licence["id"]).status_code == 302
    assert declare(client, app_id).status_code == 302
    journeys.upload(client, app_id, "id_card_front", journeys.blank_png(), "id.png")
    wait_jobs()
    assert journeys.submit(client, app_id).status_code == 302
    wait_jobs()
    if accept:
        journeys.decide_intake(app, app_id)
    return app_id


def submitted_with_uploads(app, client, wait_jobs, *, seed: int, mobile: str) -> int:
    """A new citizen without a licence in the register applies for employer_insurance:
    licence and ID card uploaded (blank images), the lease replaced by the declaration,
    the staff list left to follow; submitted and accepted at intake. Returns the id."""
    person = journeys.make_materials(seed=seed)["person"]
    journeys.register(client, person, mobile=mobile)
    app_id = start(client)
    values = prefilled(app, app_id)
    values.update(
        {
            "company_name": "上海参保示例有限公司",
            "credit_code": "91310115MA1K4XXX0X",
            "address": "上海市浦东新区张江路1号",
        }
    )
    fill_form(client, app_id, values)
    assert declare(client, app_id).status_code == 302
    for slot in ("business_licence", "id_card_front"):
        journeys.upload(client, app_id, slot, journeys.blank_png(), f"{slot}.png")
    wait_jobs()
    assert journeys.submit(client, app_id).status_code == 302
    wait_jobs()
    journeys.decide_intake(app, app_id)
    return app_id
