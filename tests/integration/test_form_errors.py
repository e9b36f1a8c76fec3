"""Refused forms follow the GOV.UK error pattern on every form built from the shared macros:
an error summary at the top linking to each field, and each field in error `aria-invalid`
and described by its own message (and its help)."""

from __future__ import annotations

import re

from tests import journeys


def _field(page: str, field_id: str) -> str:
    match = re.search(rf'<(?:input|select|textarea|div)\b[^>]*\bid="{field_id}"[^>]*>', page)
    assert match, f"no field #{field_id}"
    return match.group(0)


def test_registration_errors_are_summarised_and_tied_to_their_fields(client):
    client.get("/register")
    resp = client.post(
        "/register",
        {"real_name": "", "id_number": "123", "mobile": "1", "password": "x", "password2": "x"},
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    summary = page.split("data-error-summary>")[1].split("</div>")[0]
    assert 'tabindex="-1"' in page.split("data-error-summary")[0][-300:]
    for name in ("real_name", "id_number", "mobile", "password"):
        assert f'href="#{name}"' in summary
        tag = _field(page, name)
        assert 'aria-invalid="true"' in tag
        assert f'aria-describedby="{name}-error' in tag
        assert f'id="{name}-error"' in page
    assert 'aria-describedby="password-error password-help"' in _field(page, "password")
    assert "aria-invalid" not in _field(page, "email")  # not in error: not marked


def test_application_form_errors_link_to_the_schema_fields(client, wait_jobs):
    client.login("13800138000")
    app_id = journeys.start_application(client)
    resp = client.post(f"/applications/{app_id}", {"company_name": "", "registered_capital": "x"})
    page = resp.get_data(as_text=True)
    assert "data-error-summary" in page and "跳到正文" in page  # the skip link, in Chinese
    summary = page.split("data-error-summary>")[1].split("</div>")[0]
    assert 'href="#f-company_name"' in summary and "拟设立企业名称" in summary  # the field's label
    assert 'href="#f-registered_capital"' in summary
    assert page.count('class="alert alert-danger') == 1  # the summary only: no banner besides
    tag = _field(page, "f-registered_capital")
    assert 'aria-invalid="true"' in tag and 'aria-describedby="f-registered_capital-error' in tag


def test_confirm_page_names_missing_materials_by_their_label_not_their_key(client):
    client.login("13800138000")
    app_id = journeys.start_application(client)
    page = client.get(f"/applications/{app_id}/confirm").get_data(as_text=True)
    missing = page.split('id="missing-list"')[1].split("</div>")[0]
    assert "id_card_front —" not in missing and "company_name —" not in missing
    assert "法定代表人身份证（人像面） —" in missing and "拟设立企业名称 —" in missing


def test_each_service_cards_link_names_its_service(client):
    """Every card's button reads 办事指南: a screen reader listing links hears which one."""
    page = client.get("/").get_data(as_text=True)
    links = re.findall(
        r'href="/services/(\w+)">办事指南<span class="visually-hidden">: ([^<]+)<', page
    )
    assert len(links) >= 4 and len({name for _, name in links}) == len(links)


def test_problems_of_files_with_the_same_name_say_which_material_they_are(client, wait_jobs):
    """Two blank photos both called small.png: each problem line names its material."""
    client.login("13800138000")
    app_id = journeys.start_application(client)
    for slot in ("id_card_front", "id_card_back"):
        journeys.upload(client, app_id, slot, journeys.blank_png(), "small.png")
    wait_jobs()
    page = client.get(f"/applications/{app_id}/confirm").get_data(as_text=True)
    problems = page.split('id="problem-list"')[1].split("</ul>")[0]
    lines = re.findall(r"<li>(.*?)</li>", problems, re.S)
    assert lines and all("small.png" in line for line in lines)
    assert any(line.startswith("法定代表人身份证（人像面） · ") for line in lines)
    assert any(line.startswith("法定代表人身份证（国徽面） · ") for line in lines)
