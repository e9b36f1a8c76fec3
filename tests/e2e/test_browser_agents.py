"""In Chromium: a company's legal representative authorises an agent (代办) for one service;
the agent applies on the company's behalf and the case names the company as applicant and
the agent as submitter; the legal representative follows it and revokes the authorisation;
after that the agent can no longer apply for the company, even from a page opened before.
Screenshots go to test-output/e2e/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Application
from app.services import demo
from app.services.periods import local_today
from tests import journeys
from tests.e2e.steps import login

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

AGENT_MOBILE = "13911118101"
AGENT_PASSWORD = "Secret2024pw"


def test_an_agent_applies_for_the_company_until_revoked_in_chromium(
    app, live_server, browser, shots, make_client, wait_jobs, tmp_path
):
    base = live_server
    agent_person = journeys.make_materials(seed=81)["person"]
    journeys.register(make_client(), agent_person, mobile=AGENT_MOBILE)
    with app.app_context():
        last_day = (local_today() + timedelta(days=30)).isoformat()

    # The legal representative (the demo citizen) authorises the new agent for 企业开办.
    rep_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    rep = rep_ctx.new_page()
    login(rep, base, demo.CITIZEN["username"])
    rep.click("#companies-link")
    rep.click(f"#represented [data-company='{demo.COMPANY['credit_code']}'] a")
    company_url = rep.url
    rep.fill("#agent", agent_person["id_number"])
    rep.check("#scope-chosen")
    rep.check("#svc-business_registration")
    rep.fill("#valid_until", last_day)
    shots(rep, "authorise-form")
    rep.click("#authorise-form button")
    row = rep.locator(f"#authorisations tr[data-agent='{AGENT_MOBILE}']")
    assert row.get_attribute("data-status") == "active"
    assert "企业开办" in row.inner_text()  # the scope, by the service's name
    shots(rep, "agent-authorised")

    # The agent sees the authorisation and applies on the company's behalf.
    agent_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    agent = agent_ctx.new_page()
    login(agent, base, AGENT_MOBILE, AGENT_PASSWORD)
    agent.click("#companies-link")
    assert agent.locator("#received tr[data-status='active']").count() == 1
    agent.goto(f"{base}/services/residence_permit")  # outside the scope: not offered
    assert agent.locator("[data-apply-for]").count() == 0
    agent.goto(f"{base}/services/business_registration")
    apply_for = agent.locator(f"[data-apply-for='{demo.COMPANY['credit_code']}']")
    assert demo.COMPANY["name"] in apply_for.inner_text()
    apply_for.click()
    assert demo.COMPANY["name"] in agent.locator("#on-behalf").inner_text()
    assert agent.input_value("#f-company_name") == demo.COMPANY["name"]  # prefilled
    agent.select_option("#f-company_type", "llc")
    agent.fill("#f-registered_capital", "100")
    agent.fill("#f-address", "上海市浦东新区世纪大道100号")
    agent.fill("#f-business_scope", "软件开发；技术咨询")
    agent.fill("#f-legal_rep_name", "张三")
    agent.fill("#f-legal_rep_id_number", demo.CITIZEN["id_number"])
    shots(agent, "form-on-behalf")
    agent.click("#application-form button[type=submit]")
    blank = tmp_path / "blank.png"
    blank.write_bytes(journeys.blank_png())
    for slot in ("id_card_front", "id_card_back", "lease"):
        agent.set_input_files(f"[data-slot={slot}] input[type=file]", str(blank))
        agent.click(f"[data-slot={slot}] .upload-form button")
    wait_jobs()
    agent.reload()
    agent.click("#to-confirm")
    agent.click("#submit-button")
    agent.wait_for_url(re.compile(r".*/cases/\d+"))
    app_id = int(re.search(r"/cases/(\d+)", agent.url).group(1))
    assert demo.COMPANY["credit_code"] in agent.locator("#applicant").inner_text()
    assert agent_person["name"] in agent.locator("#submitter").inner_text()
    shots(agent, "case-applicant-and-submitter")
    with app.app_context():
        case = db.session.get(Application, app_id)
        assert case.company.credit_code == demo.COMPANY["credit_code"]
        assert case.citizen.mobile == AGENT_MOBILE
        number, company_id = case.case_number, case.company_id
    wait_jobs()

    # The legal representative follows the company's case, then revokes the agent.
    rep.goto(company_url)
    assert rep.locator(f"#company-cases tr[data-case='{number}']").count() == 1
    agent.goto(f"{base}/services/business_registration")  # opened before the revocation
    rep.locator(f"#authorisations tr[data-agent='{AGENT_MOBILE}'] [data-action='revoke']").click()
    row = rep.locator(f"#authorisations tr[data-agent='{AGENT_MOBILE}']")
    assert row.get_attribute("data-status") == "revoked"
    shots(rep, "agent-revoked")

    # The agent's stale button is refused, with the reason in Chinese; nothing is offered.
    agent.locator(f"[data-apply-for='{demo.COMPANY['credit_code']}']").click()
    assert f"您代办{demo.COMPANY['name']}的授权已被撤销" in agent.content()
    shots(agent, "apply-refused-after-revocation")
    agent.goto(f"{base}/services/business_registration")
    assert agent.locator("[data-apply-for]").count() == 0
    assert agent.goto(company_url).status == 404  # nor the company's page
    with app.app_context():
        drafts = db.session.execute(
            db.select(Application).where(
                Application.company_id == company_id, Application.case_number.is_(None)
            )
        ).all()
        assert drafts == []
    rep_ctx.close()
    agent_ctx.close()
