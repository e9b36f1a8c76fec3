"""Exporting the clerk's queue to CSV and Excel: the same rows as the queue under the same
filters (the clerk's department only), personal data masked, formulas neutralised, each
export audited, and a list over the cap refused with a message."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from app.extensions import db
from app.models import AuditRecord, Department
from app.services import case_export
from tests import queue_data

ID_NUMBER = "11010519491231002X"


def _dept(code: str) -> int:
    return db.session.execute(db.select(Department.id).where(Department.code == code)).scalar_one()


@pytest.fixture()
def cases(app, demo):
    """张三's case (three departments' reviews open) and five more of tax's, one of them
    by a citizen whose name is a formula."""
    with app.app_context():
        source = queue_data.real_case(citizen_username="13800138000")
        evil = queue_data.citizen_named('=HYPERLINK("http://x.test","点我")')
        evil.mobile = "13912345678"
        db.session.commit()
        queue_data.clone_tasks(source, _dept("tax"), 5, first_number=1, citizens=[evil.id])
        db.session.remove()


def _clerk(make_client, username="clerk_tax"):
    client = make_client()
    client.login(username)
    return client


def _csv_rows(resp) -> list[list[str]]:
    text = resp.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx_cells(resp) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(resp.get_data())) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
        shared = (
            book.read("xl/sharedStrings.xml").decode("utf-8")
            if "xl/sharedStrings.xml" in book.namelist()
            else ""
        )
    assert "<f>" not in sheet  # no formula anywhere
    return re.findall(r"<t[^>]*>([^<]*)</t>", shared + sheet)


def _exports() -> list[AuditRecord]:
    return list(
        db.session.execute(
            db.select(AuditRecord)
            .where(AuditRecord.action == "export", AuditRecord.object_type == "cases")
            .order_by(AuditRecord.seq)
        ).scalars()
    )


def test_csv_export_is_masked_scoped_neutralised_and_audited(cases, make_client, app):
    clerk = _clerk(make_client)
    resp = clerk.get("/clerk/export.csv?tab=department&sort=submitted")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    header, *rows = _csv_rows(resp)
    assert len(header) == len(case_export.COLUMNS)
    assert len(rows) == 6  # the queue's tab, every page: tax's six tasks
    body = resp.get_data().decode("utf-8")
    assert ID_NUMBER not in body and "张三" not in body and "13800138000" not in body
    assert "110***********002X" in body and "138****8000" in body and "张*" in body
    # the name is masked to "=*…)" and still starts with "=": it is written as text
    assert sum(row[2].startswith("'=") for row in rows) == 5  # the five clones
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    with app.app_context():
        (record,) = _exports()
        assert record.actor_username == "clerk_tax"
        assert record.details == {
            "filter": {"sort": "submitted"},
            "format": "csv",
            "rows": 6,
        }
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def test_export_follows_the_filters_and_the_department(cases, make_client):
    tax = _clerk(make_client)
    rows = _csv_rows(tax.get("/clerk/export.csv?case_number=YW20260101000001"))[1:]
    assert [row[0] for row in rows] == ["YW20260101000001"]
    # market regulation reviews 张三's case too, but never sees tax's five other tasks
    market = _clerk(make_client, "clerk_market_regulation")
    rows = _csv_rows(market.get("/clerk/export.csv?tab=all"))[1:]
    assert rows and {row[0] for row in rows} == {"YW20260101000001"}  # intake and review


def test_excel_export_is_masked_text_only(cases, make_client, app):
    resp = _clerk(make_client).get("/clerk/export.xlsx")
    assert resp.status_code == 200
    assert resp.mimetype == case_export.FORMATS["xlsx"]
    cells = _xlsx_cells(resp)
    assert "110***********002X" in cells and ID_NUMBER not in "".join(cells)
    assert any(cell.startswith("=") for cell in cells)  # a string cell, not a formula
    with app.app_context():
        assert [r.details["format"] for r in _exports()] == ["xlsx"]


def test_a_list_over_the_cap_is_refused_with_a_message(cases, make_client, app, monkeypatch):
    monkeypatch.setattr(case_export, "EXPORT_MAX_ROWS", 3)
    clerk = _clerk(make_client)
    resp = clerk.get("/clerk/export.csv?sort=due")
    assert resp.status_code == 302 and "/clerk/" in resp.headers["Location"]
    page = clerk.get(resp.headers["Location"]).get_data(as_text=True)
    assert "narrow the filters" in page or "缩小" in page
    with app.app_context():
        assert _exports() == []


def test_unknown_format_and_non_clerks(cases, make_client):
    assert _clerk(make_client).get("/clerk/export.pdf").status_code == 404
    citizen = make_client()
    citizen.login("13800138000")
    assert citizen.get("/clerk/export.csv").status_code == 403


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_neutralise(cell, written):
    assert case_export.neutralise(cell) == written
