"""Companies and agents (代办): verifying the legal representative (by the platform's
business licence, or by a clerk with a reason), authorising and revoking agents (audited,
listed for both sides), and the rules every use case applies to an agent — outside the
scope, after the end date and after revocation (even in the middle of a draft) the agent is
refused with a message that says why."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.models import (
    AgentAuthorisation,
    Application,
    ApplicationStatus,
    AuditRecord,
    Company,
    ECertificate,
    Role,
    Service,
    User,
)
from app.services import agents, applications, companies, demo, withdrawal
from app.services.passwords import hash_password
from app.services.periods import local_today
from tests import decisions, journeys

CODE = "91310115123456785N"  # another well-formed credit code (not the demo company's)


def _user(username: str) -> User:
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


def _service(code: str) -> Service:
    return db.session.execute(db.select(Service).where(Service.code == code)).scalar_one()


def _person(username: str, name: str, id_number: str) -> User:
    person = User(
        role=Role.CITIZEN,
        username=username,
        real_name=name,
        id_number=id_number,
        mobile=username,
        password_hash=hash_password("Demo12345"),
    )
    db.session.add(person)
    db.session.commit()
    return person


def _demo_company() -> Company:
    return db.session.execute(
        db.select(Company).where(Company.credit_code == demo.COMPANY["credit_code"])
    ).scalar_one()


def _audit(action: str) -> list[AuditRecord]:
    return list(
        db.session.execute(
            db.select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.seq)
        ).scalars()
    )


def _licence(holder: User, code: str, *, revoked: bool = False) -> ECertificate:
    """A business licence in the register for `code` naming `holder` (as approving 企业开办
    would have issued it)."""
    service = _service("business_registration")
    case = Application(
        citizen=holder, service=service, status=ApplicationStatus.APPROVED, form_data={}
    )
    db.session.add(case)
    db.session.flush()
    cert = ECertificate(
        number=f"BL{case.id:06d}",
        cert_type="business_licence",
        application=case,
        service=service,
        holder_kind="company",
        holder_code=code,
        holder_name="上海登记示例有限公司",
        representative_id_number=holder.id_number,
        status="revoked" if revoked else "valid",
        verify_code=f"CODE{case.id:012d}",
        facts={},
    )
    db.session.add(cert)
    db.session.commit()
    return cert


def test_check_credit_code_constant_is_well_formed():
    from ml.validators import check_credit_code

    assert check_credit_code(CODE).ok and check_credit_code(demo.COMPANY["credit_code"]).ok


def test_the_platforms_business_licence_verifies_the_legal_representative(ctx):
    wang = _person("13911113001", "王五", "310115199001011232")
    other = _person("13911113002", "赵六", "310115199202021234")
    # A licence naming someone else, or a revoked one, verifies nobody.
    _licence(other, CODE)
    _licence(wang, CODE, revoked=True)
    company = companies.register(wang, CODE.lower(), "王五公司")
    assert not company.verified and company.credit_code == CODE
    with pytest.raises(Forbidden):  # not verified: no agents yet
        agents.authorise(
            wang,
            company.id,
            "13911113002",
            all_services=True,
            services=[],
            valid_until="2099-01-01",
        )
    assert companies.verify_again(wang, company.id) is False
    # The valid licence naming 王五 (by ID number) for this code verifies him at once.
    licence = _licence(wang, CODE)
    assert companies.verify_again(wang, company.id) is True
    db.session.refresh(company)
    assert company.verified and company.verified_via == "certificate"
    assert company.certificate_number == licence.number
    assert company.name == "上海登记示例有限公司"  # the licence's name, not the typed one
    (record,) = _audit("company_verify")
    assert record.actor_id == wang.id and record.object_id == str(company.id)
    assert (
        record.details["via"] == "certificate" and record.details["certificate"] == licence.number
    )


def test_registering_with_a_licence_verifies_at_once_and_a_verified_company_cannot_be_claimed(
    ctx,
):
    wang = _person("13911113003", "王五", "310115199001011232")
    zhao = _person("13911113004", "赵六", "310115199202021234")
    _licence(wang, CODE)
    # 赵六 claims the code first (no licence names him): it waits for a clerk ...
    claim = companies.register(zhao, CODE, "冒名公司")
    assert not claim.verified and claim.legal_rep_id == zhao.id
    # ... and passes to 王五, whom the platform's licence names.
    company = companies.register(wang, CODE, "王五公司")
    assert company.id == claim.id and company.verified and company.legal_rep_id == wang.id
    with pytest.raises(Conflict) as refused:
        companies.register(zhao, CODE, "冒名公司")
    assert refused.value.code == "company_taken"
    with pytest.raises(ValidationFailed) as bad:
        companies.register(zhao, "91310115123456789X", "")
    assert set(bad.value.errors) == {"credit_code", "name"}


def test_a_clerk_verifies_with_a_reason_that_the_audit_trail_keeps(app, make_client):
    with app.app_context():
        wang = _person("13911113005", "王五", "310115199001011232")
        company = companies.register(wang, CODE, "王五贸易有限公司")
        clerk = _user("clerk_market_regulation")
        with pytest.raises(ValidationFailed):
            companies.verify_by_staff(clerk, company.id, "   ")
        with pytest.raises(Forbidden):  # a citizen is no clerk
            companies.verify_by_staff(_user(demo.CITIZEN["username"]), company.id, "我说了算")
        company_id, clerk_id = company.id, clerk.id
        db.session.remove()

    staff = make_client()
    staff.login("clerk_market_regulation")
    page = staff.get("/staff/companies").get_data(as_text=True)
    assert f'data-company="{CODE}"' in page
    resp = staff.post(f"/staff/companies/{company_id}/verify", {"reason": "已核对营业执照原件"})
    assert resp.status_code == 302
    with app.app_context():
        company = db.session.get(Company, company_id)
        assert company.verified and company.verified_via == "staff"
        assert company.verify_reason == "已核对营业执照原件" and company.verified_by_id == clerk_id
        (record,) = _audit("company_verify")
        assert record.actor_username == "clerk_market_regulation"
        assert record.details["reason"] == "已核对营业执照原件"
        with pytest.raises(Conflict):
            companies.verify_by_staff(_user("clerk_market_regulation"), company_id, "again")
    citizen = make_client()
    citizen.login(demo.CITIZEN["username"])
    assert citizen.get("/staff/companies").status_code == 403


def test_authorising_and_revoking_are_audited_and_listed_for_both_sides(app, make_client):
    with app.app_context():
        until = (local_today() + timedelta(days=30)).isoformat()
        rep = _user(demo.CITIZEN["username"])
        company = _demo_company()
        agent = _person("13911113006", "钱七", "310115199303031239")

        def grant(identifier, **kw):
            args = {"all_services": False, "services": ["residence_permit"], "valid_until": until}
            args.update(kw)
            return agents.authorise(rep, company.id, identifier, **args)

        for bad, field in [
            (dict(identifier="19999999999"), "agent"),
            (dict(identifier=rep.id_number), "agent"),
            (dict(identifier="13911113006", services=[]), "services"),
            (dict(identifier="13911113006", services=["no_such_service"]), "services"),
            (dict(identifier="13911113006", valid_until="2000-01-01"), "valid_until"),
            (dict(identifier="13911113006", valid_until="not a date"), "valid_until"),
            (dict(identifier="13911113006", valid_until="2999-01-01"), "valid_until"),
        ]:
            identifier = bad.pop("identifier")
            with pytest.raises(ValidationFailed) as refused:
                grant(identifier, **bad)
            assert field in refused.value.errors, (bad, refused.value.errors)
        with pytest.raises(NotFound):  # only the legal representative grants
            agents.authorise(
                agent, company.id, rep.id_number, all_services=True, services=[], valid_until=until
            )
        auth = grant(agent.id_number.lower())  # found by ID number
        assert auth.agent_id == agent.id and agents.status_of(auth) == agents.ACTIVE
        with pytest.raises(Conflict):
            grant("13911113006")  # found by login: already authorised
        (granted,) = _audit("agent_authorise")
        assert granted.actor_id == rep.id and granted.details["agent"] == agent.id
        assert granted.details["scope"] == ["residence_permit"]
        assert granted.details["valid_until"] == until
        company_id, auth_id, rep_id = company.id, auth.id, rep.id
        db.session.remove()

    # The legal representative lists it on the company page, the agent on theirs.
    rep_client = make_client()
    rep_client.login(demo.CITIZEN["username"])
    page = rep_client.get(f"/companies/{company_id}").get_data(as_text=True)
    assert f'data-authorisation="{auth_id}" data-agent="13911113006" data-status="active"' in page
    agent_client = make_client()
    agent_client.login("13911113006")
    mine = agent_client.get("/companies").get_data(as_text=True)
    assert f'data-authorisation="{auth_id}" data-status="active"' in mine
    assert agent_client.get(f"/companies/{company_id}").status_code == 200
    # Another person cannot revoke it.
    assert agent_client.post(f"/companies/{company_id}/agents/{auth_id}/revoke").status_code == 404

    resp = rep_client.post(f"/companies/{company_id}/agents/{auth_id}/revoke")
    assert resp.status_code == 302
    with app.app_context():
        assert agents.status_of(db.session.get(AgentAuthorisation, auth_id)) == agents.REVOKED
        (revoked,) = _audit("agent_revoke")
        assert revoked.actor_id == rep_id and revoked.object_id == str(auth_id)
        with pytest.raises(Conflict):
            agents.revoke(_user(demo.CITIZEN["username"]), company_id, auth_id)
    mine = agent_client.get("/companies").get_data(as_text=True)
    assert f'data-authorisation="{auth_id}" data-status="revoked"' in mine
    assert agent_client.get(f"/companies/{company_id}").status_code == 404


def test_an_agent_outside_the_scope_is_refused(app, make_client):
    with app.app_context():
        rep = _user(demo.CITIZEN["username"])
        company = _demo_company()
        agent = _person("13911113007", "孙八", "310115199404041233")
        agents.authorise(
            rep,
            company.id,
            agent.username,
            all_services=False,
            services=["residence_permit"],
            valid_until=(local_today() + timedelta(days=10)).isoformat(),
        )
        with pytest.raises(Forbidden) as refused:
            applications.start_draft(agent, _service("business_registration"), company)
        assert refused.value.code == "agent_out_of_scope"
        draft = applications.start_draft(agent, _service("residence_permit"), company)
        assert draft.company_id == company.id and draft.citizen_id == agent.id
        company_id = company.id
        db.session.remove()

    browser = make_client()
    browser.login("13911113007")
    guide = browser.get("/services/business_registration").get_data(as_text=True)
    assert "data-apply-for" not in guide
    assert f'data-apply-for="{demo.COMPANY["credit_code"]}"' in browser.get(
        "/services/residence_permit"
    ).get_data(as_text=True)
    resp = browser.post("/services/business_registration/apply", {"company": company_id})
    assert resp.status_code == 403
    assert "授权不包括此事项" in resp.get_data(as_text=True)
    # A company value that is no company never becomes an application for oneself.
    for bad in ("abc", "999999"):
        resp = browser.post("/services/residence_permit/apply", {"company": bad})
        assert resp.status_code == 404
    # A person nobody authorised is refused, whatever they send.
    stranger = make_client()
    journeys.register(stranger, journeys.make_materials(seed=32)["person"], mobile="13911113011")
    resp = stranger.post("/services/residence_permit/apply", {"company": company_id})
    assert resp.status_code == 403 and "您未获得代办" in resp.get_data(as_text=True)
    with app.app_context():  # nothing but the one in-scope draft above was made
        assert len(db.session.execute(db.select(Application)).all()) == 1


def test_an_expired_authorisation_is_refused(ctx):
    company = _demo_company()
    agent = _user(demo.AGENT["username"])
    draft = applications.start_draft(agent, _service("residence_permit"), company)
    auth = db.session.execute(
        db.select(AgentAuthorisation).where(AgentAuthorisation.agent_id == agent.id)
    ).scalar_one()
    auth.valid_until = local_today() - timedelta(days=1)
    db.session.commit()
    assert agents.status_of(auth) == agents.EXPIRED
    assert agents.companies_for(agent, "residence_permit") == []
    with pytest.raises(Forbidden) as refused:
        applications.start_draft(agent, _service("business_registration"), company)
    assert refused.value.code == "agent_expired"
    with pytest.raises(Forbidden):
        applications.save_form(draft, {"applicant_name": "李四"})
    with pytest.raises(Forbidden):
        applications.submit(draft)


def test_revocation_in_the_middle_of_a_draft_stops_every_use_case(app, client, make_client):
    """李四, the demo company's agent, has a draft half done when 张三 revokes him: saving,
    uploading, deleting a file and submitting are refused (by the use cases themselves),
    with a message in the page's language; deleting his own draft is still allowed."""
    client.login(demo.AGENT["username"])
    with app.app_context():
        company_id = _demo_company().id
    resp = client.post("/services/business_registration/apply", {"company": company_id})
    assert resp.status_code == 302
    app_id = int(re.search(r"/applications/(\d+)", resp.headers["Location"]).group(1))
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert 'id="on-behalf"' in page and demo.COMPANY["name"] in page
    assert demo.COMPANY["name"] in page  # the company's name is prefilled
    person = {"name": "李四", "id_number": demo.AGENT["id_number"]}
    journeys.fill_form(client, app_id, person)
    assert (
        journeys.upload(client, app_id, "id_card_front", journeys.blank_png(), "f.png").status_code
        == 302
    )

    rep = make_client()
    rep.login(demo.CITIZEN["username"])
    with app.app_context():
        auth_id = db.session.execute(
            db.select(AgentAuthorisation.id).where(AgentAuthorisation.company_id == company_id)
        ).scalar_one()
    assert rep.post(f"/companies/{company_id}/agents/{auth_id}/revoke").status_code == 302

    refused = f"您代办{demo.COMPANY['name']}的授权已被撤销"
    resp = client.post(f"/applications/{app_id}", {"company_name": "改名"})
    assert resp.status_code == 403 and refused in resp.get_data(as_text=True)
    resp = journeys.upload(client, app_id, "id_card_back", journeys.blank_png(), "b.png")
    assert resp.status_code == 302  # back to the materials page, which says why
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert refused in page and 'id="agency-refusal"' in page
    resp = client.post(f"/applications/{app_id}/submit")
    assert resp.status_code == 403 and refused in resp.get_data(as_text=True)
    with app.app_context():
        draft = db.session.get(Application, app_id)
        assert draft.status == ApplicationStatus.DRAFT and draft.form_data["company_name"] != "改名"
        assert len(draft.attachments) == 1
        with pytest.raises(Forbidden):
            applications.remove_attachment(draft, draft.attachments[0].id)
        with pytest.raises(Forbidden):
            applications.submit(draft)
    # The guide no longer offers to apply for the company; a new draft is refused.
    assert "data-apply-for" not in client.get("/services/business_registration").get_data(
        as_text=True
    )
    resp = client.post("/services/business_registration/apply", {"company": company_id})
    assert resp.status_code == 403 and refused in resp.get_data(as_text=True)
    # Throwing his own draft away loses the company nothing: allowed.
    assert client.post(f"/applications/{app_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Application, app_id) is None


@pytest.mark.slow
def test_an_agent_applies_for_the_company_and_both_sides_follow_the_case(
    app, client, make_client, wait_jobs
):
    """李四 applies for the demo company: the case names the company as applicant and him as
    submitter (clerk and citizen pages show both), 张三 follows it on the company's page,
    and the business licence goes to the company's wallet, which both see. Once the
    authorisation ends, 李四 can no longer withdraw or rate the case."""
    client.login(demo.AGENT["username"])
    with app.app_context():
        company_id = _demo_company().id
    resp = client.post("/services/business_registration/apply", {"company": company_id})
    app_id = int(re.search(r"/applications/(\d+)", resp.headers["Location"]).group(1))
    journeys.fill_form(client, app_id, {"name": "张三", "id_number": demo.CITIZEN["id_number"]})
    for slot in ("id_card_front", "id_card_back", "lease"):
        journeys.upload(client, app_id, slot, journeys.blank_png(), f"{slot}.png")
    wait_jobs()
    assert journeys.submit(client, app_id).status_code == 302
    wait_jobs()
    journeys.decide_intake(app, app_id, missing_ok=True)
    with app.app_context():
        case = db.session.get(Application, app_id)
        assert case.company_id == company_id and case.citizen.username == demo.AGENT["username"]
        number = case.case_number

    # The clerk sees the company as applicant and 李四 as submitter.
    clerk = make_client()
    clerk.login("clerk_tax")
    task_page = clerk.get(f"/clerk/tasks/{journeys.open_task_id(clerk, number)}").get_data(
        as_text=True
    )
    assert f'data-company="{demo.COMPANY["credit_code"]}"' in task_page
    from app.domain import masking

    assert demo.COMPANY["name"] in task_page  # a company's name is no personal data
    assert "李四" not in task_page and masking.mask("李四", "name") in task_page  # the person is

    # So does the submitter's own case page; the legal representative follows the case.
    mine = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert 'id="applicant"' in mine and 'id="submitter"' in mine
    rep = make_client()
    rep.login(demo.CITIZEN["username"])
    company_page = rep.get(f"/companies/{company_id}").get_data(as_text=True)
    assert f'data-case="{number}"' in company_page
    followed = rep.get(f"/companies/{company_id}/cases/{app_id}")
    assert followed.status_code == 200 and "李四" in followed.get_data(as_text=True)

    decisions.decide_all(app, make_client, app_id)
    wait_jobs()  # the signing job
    with app.app_context():
        cert = db.session.execute(
            db.select(ECertificate).where(ECertificate.application_id == app_id)
        ).scalar_one()
        assert (cert.holder_kind, cert.holder_code) == ("company", demo.COMPANY["credit_code"])
        assert cert.holder_name == demo.COMPANY["name"]
        assert cert.representative_id_number == demo.CITIZEN["id_number"]
        cert_id, cert_number = cert.id, cert.number
    for who in (client, rep):
        wallet = who.get(f"/companies/{company_id}").get_data(as_text=True)
        assert f'data-certificate="{cert_number}" data-status="valid"' in wallet
        pdf = who.get(f"/companies/{company_id}/certificates/{cert_id}/pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    outsider = make_client()
    journeys.register(outsider, journeys.make_materials(seed=31)["person"], mobile="13911113010")
    assert outsider.get(f"/companies/{company_id}/certificates/{cert_id}/pdf").status_code == 404
    assert outsider.get(f"/companies/{company_id}/cases/{app_id}").status_code == 404

    # The authorisation ends: the decided case can no longer be rated by the agent.
    with app.app_context():
        auth = db.session.execute(
            db.select(AgentAuthorisation).where(AgentAuthorisation.company_id == company_id)
        ).scalar_one()
        agents.revoke(_user(demo.CITIZEN["username"]), company_id, auth.id)
    assert 'id="agency-refusal"' not in mine
    assert 'id="agency-refusal"' in client.get(f"/cases/{app_id}").get_data(as_text=True)
    resp = client.post(f"/cases/{app_id}/rating", {"level": "5"})
    assert resp.status_code == 403
    assert client.get(f"/companies/{company_id}/certificates/{cert_id}/pdf").status_code == 404


def test_withdrawal_needs_an_authorisation_in_force(ctx):
    """Withdrawing a company's case is refused once the submitter's authorisation ended."""
    company = _demo_company()
    agent = _user(demo.AGENT["username"])
    draft = applications.start_draft(agent, _service("residence_permit"), company)
    draft.status = ApplicationStatus.SUBMITTED  # as if submitted (no workflow needed here)
    draft.case_number = "YWTEST000001"
    db.session.commit()
    auth = db.session.execute(
        db.select(AgentAuthorisation).where(AgentAuthorisation.agent_id == agent.id)
    ).scalar_one()
    agents.revoke(_user(demo.CITIZEN["username"]), company.id, auth.id)
    with pytest.raises(Forbidden):
        withdrawal.withdraw(agent, draft, "不办了")
    assert db.session.get(Application, draft.id).status == ApplicationStatus.SUBMITTED


def test_a_person_keeps_their_own_draft_beside_the_companys(ctx):
    """One draft per person, service and applicant: 张三's own draft and the one for his
    company are two."""
    rep = _user(demo.CITIZEN["username"])
    service = _service("business_registration")
    own = applications.start_draft(rep, service)
    for_company = applications.start_draft(rep, service, _demo_company())
    assert own.id != for_company.id and own.company_id is None
    assert applications.start_draft(rep, service, _demo_company()).id == for_company.id
    assert applications.start_draft(rep, service).id == own.id
