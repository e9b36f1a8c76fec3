"""Every page each kind of user can reach, in Chromium, at 1280 px and 360 px, in Chinese and
English: axe-core finds no WCAG 2.1 A/AA violation, nothing scrolls sideways at 360 px, no raw
translation key and no word of the other language shows outside people's own data, and the
console stays free of errors.

The pages come from the app's url_map: every GET route without arguments, and one instance of
each parametrised page (a case, a draft, a task, a notice, a certificate, a process…). A new
route that is neither listed here nor named as not being a page fails the test.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import pytest

from app.extensions import db
from app.models import (
    Department,
    ECertificate,
    HumanTask,
    Notice,
    Service,
    TaskStatus,
    User,
)
from tests import decisions, journeys
from tests.e2e import page_checks
from tests.e2e.steps import login, watch_errors

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Routes that answer with something other than a page, or only redirect to one.
NOT_PAGES = {
    "static",
    "auth.set_language",  # switches the language, then redirects
    "admin.performance_csv",
    "audit.export",
    "processes.download",  # BPMN XML
    "portal.review_status",  # JSON polled by the materials page
    "files.attachment",
    "files.preview",
    "notices.download",  # PDF
    "certificates.pdf",  # PDF
    "notifications.open",  # marks read, redirects to its link
    "clerk.apply_filter",  # redirects to the queue with the saved filter
    "privacy.export_queue",  # CSV / Excel
    "companies.certificate_pdf",  # PDF
    "api_certificates.certificate_by_number",  # the API answers JSON
    "api_cases.case_status",
    "api_tasks.department_tasks",
    "admin.performance_data",  # the charts' JSON
    "ops.healthz",  # probes and the Prometheus scrape: JSON and text for machines
    "ops.readyz",
    "ops.metrics",
    "api-docs.openapi_json",  # the OpenAPI document (JSON)
    # Swagger UI, generated from the OpenAPI document for the engineers of other systems:
    # the API and its documentation are in English (the API's own error texts follow
    # ?lang=); its page is third-party markup, checked for its CSP by test_browser_api.
    "api_docs.docs",
}
WIDTHS = (1280, 360)
LANGS = {"zh": "zh-CN", "en": "en-US"}
CITIZEN_MOBILE = "13911117801"
CITIZEN_PASSWORD = "Secret2024pw"
USERS = {
    "anonymous": None,
    "citizen": (CITIZEN_MOBILE, CITIZEN_PASSWORD),
    "clerk": ("clerk_market_regulation", "Demo12345"),
    "lead": ("lead_market_regulation", "Demo12345"),
    "admin": ("admin", "Demo12345"),
    "auditor": ("auditor", "Demo12345"),
}

# A page each kind of user reaches (and the public does not, for those who sign in).
REACHES = {
    "anonymous": {"/", "/login", "/lookup"},
    "citizen": {"/cases", "/wallet"},
    "clerk": {"/clerk/"},
    "lead": {"/clerk/"},
    "admin": {"/admin/", "/admin/processes/"},
    "auditor": {"/audit/"},
}


def _scene(app, make_client, wait_jobs) -> dict:
    """A citizen with a decided case (notices, a certificate), a case with the departments
    (open tasks) and a draft; a clerk's saved filter. Returns the ids the pages need."""
    citizen = make_client()
    decided = decisions.decided_case(
        app, citizen, make_client, wait_jobs, seed=78, mobile=CITIZEN_MOBILE
    )
    person = journeys.make_materials(seed=78)["person"]
    open_case = journeys.start_application(citizen)
    journeys.fill_form(citizen, open_case, person)
    for slot in ("id_card_front", "id_card_back", "lease"):
        journeys.upload(citizen, open_case, slot, journeys.blank_png(), f"{slot}.png")
    wait_jobs()
    journeys.submit(citizen, open_case)
    wait_jobs()
    journeys.decide_intake(app, open_case)
    draft = journeys.start_application(citizen)
    clerk = make_client()
    clerk.login("clerk_market_regulation")
    clerk.post("/clerk/filters", {"name": "逾期", "due": "overdue"})
    wait_jobs()
    with app.app_context():
        from app.services import companies

        person_user = db.session.execute(
            db.select(User).where(User.username == CITIZEN_MOBILE)
        ).scalar_one()
        licence = db.session.execute(db.select(ECertificate)).scalars().first()
        company = companies.register(person_user, licence.holder_code, licence.holder_name)
        task = (
            db.session.execute(
                db.select(HumanTask).where(
                    HumanTask.application_id == open_case, HumanTask.status == TaskStatus.OPEN
                )
            )
            .scalars()
            .first()
        )
        return {
            "decided": decided,
            "open_case": open_case,
            "draft": draft,
            "task": task.id,
            "notice": db.session.execute(db.select(Notice.verification_code)).scalars().first(),
            "certificate": db.session.execute(db.select(ECertificate.verify_code)).scalar_one(),
            "services": db.session.execute(db.select(Service.code)).scalars().all(),
            "process": "business_registration",
            "company": company.id,
            "department": db.session.execute(
                db.select(Department.id).where(Department.code == "market_regulation")
            ).scalar_one(),
            "clerk_user": db.session.execute(
                db.select(User.id).where(User.username == "clerk_market_regulation")
            ).scalar_one(),
        }


def _pages(app, scene: dict) -> list[str]:
    """The paths to visit: one per GET route, every service guide."""
    instances = {
        "portal.guide": [f"/services/{code}" for code in scene["services"]],
        "portal.case": [f"/cases/{scene['decided']}", f"/cases/{scene['open_case']}"],
        "portal.edit": [f"/applications/{scene['draft']}"],
        "portal.materials": [f"/applications/{scene['draft']}/materials"],
        "portal.confirm": [f"/applications/{scene['draft']}/confirm"],
        "clerk.task": [f"/clerk/tasks/{scene['task']}"],
        "public.verify_notice": [f"/verify/notices/{scene['notice']}"],
        "certificates.verify": [f"/verify/certificates/{scene['certificate']}"],
        "processes.versions": [f"/admin/processes/{scene['process']}"],
        "processes.edit": [f"/admin/processes/{scene['process']}/edit"],
        "processes.case_diagram": [f"/admin/processes/cases/{scene['decided']}/diagram"],
        "processes.diff": [f"/admin/processes/{scene['process']}/diff"],
        "processes.heatmap": [f"/admin/processes/{scene['process']}/versions/1/heatmap"],
        "people.department_edit": [f"/admin/departments/{scene['department']}"],
        "people.user_edit": [f"/admin/users/{scene['clerk_user']}"],
        "services_admin.edit": [f"/admin/services/{scene['process']}/edit"],
        "services_admin.task_form": ["/admin/services/task-forms/review_decision"],
        "companies.detail": [f"/companies/{scene['company']}"],
        # (no company case in this scene: the page is reached in test_browser_agents)
        "companies.case": [f"/companies/{scene['company']}/cases/{scene['decided']}"],
    }
    paths, unlisted = [], []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        if rule.arguments:
            if rule.endpoint not in instances:
                unlisted.append(rule.rule)
            paths.extend(instances.get(rule.endpoint, []))
        else:
            paths.append(rule.rule)
    assert not unlisted, f"pages without an instance in this test: {unlisted}"
    return sorted(set(paths)) + ["/no-such-page"]


def _check(page, base: str, path: str, lang: str, width: int, console: list) -> list[str]:
    """Load `path` and return what is wrong with it (empty when nothing)."""
    console.clear()
    response = page.goto(base + path, wait_until="load")
    page.add_script_tag(url=base + "/static/vendor/axe-core/axe.min.js")
    problems = []
    for v in page.evaluate(page_checks.AXE_JS, page_checks.AXE_TAGS):
        problems.append(f"axe {v['id']} ({v['impact']}): {v['nodes']}")
    if width < 1000:
        scroll, inner = page.evaluate(page_checks.OVERFLOW_JS)
        if scroll > inner:
            problems.append(f"scrolls sideways: {scroll} px wide in {inner} px")
    problems += page_checks.wrong_words(page.evaluate(page_checks.VISIBLE_TEXT_JS), lang)
    expected_error = path == "/no-such-page" and response.status == 404
    problems += [f"console: {m}" for m in console if not (expected_error and "404" in m)]
    return problems


@pytest.mark.parametrize("who", list(USERS))
def test_every_page_is_accessible_bilingual_and_fits_a_phone(
    who, app, live_server, browser, make_client, wait_jobs
):
    """One test per kind of user, so that parallel test workers share the pages out."""
    scene = _scene(app, make_client, wait_jobs)
    paths = _pages(app, scene)
    started = time.monotonic()
    found: dict[str, list[str]] = defaultdict(list)
    checked = set()
    for lang, locale in LANGS.items():
        ctx = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        console = watch_errors(ctx)
        page = ctx.new_page()
        if USERS[who]:
            login(page, live_server, *USERS[who])
        page.goto(f"{live_server}/lang/{lang}")
        reachable = []
        for path in paths:
            response = page.goto(live_server + path)
            final = response.url.split("?")[0].removeprefix(live_server)
            if (response.status == 200 and final == path) or path == "/no-such-page":
                reachable.append(path)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900 if width > 400 else 780})
            for path in reachable:
                problems = _check(page, live_server, path, lang, width, console)
                checked.add((path, lang, width))
                for p in problems:
                    found[f"{who} {lang} {width}px {path}"].append(p)
        ctx.close()
    pages = {path for path, _, _ in checked}
    summary = (
        f"{who}: {len(pages)} pages × {len(LANGS)} languages × {len(WIDTHS)} widths = "
        f"{len(checked)} checks in {time.monotonic() - started:.0f} s; "
        f"{sum(map(len, found.values()))} problems on {len(found)} page views"
    )
    report = Path(__file__).resolve().parents[2] / "test-output" / f"every-page-{who}.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        summary + "\n" + "\n".join(f"{k}\n  " + "\n  ".join(v) for k, v in sorted(found.items()))
    )
    print(summary)
    # A failed log-in would leave only the public pages, which the anonymous run covers.
    assert REACHES[who] <= pages, f"{who} did not reach {REACHES[who] - pages}"
    assert not found, summary + "\n" + report.read_text()[:20000]
