"""Departments come from `workflows/departments.json`: loading is idempotent, updates by code
(a renamed department keeps its row, staff and tasks), and a bad file changes nothing."""

from __future__ import annotations

import json

import pytest

from app.extensions import db
from app.models import Department, User
from app.services import departments
from app.services.departments import DepartmentsFileError


def _shipped() -> list[dict]:
    return departments.read_departments_file(departments.shipped_departments_file())


def _write(path, entries) -> str:
    path.write_text(json.dumps({"departments": entries}, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _rows() -> dict:
    db.session.expire_all()
    return {d.code: (d.id, d.name_zh, d.name_en) for d in departments.list_departments()}


def test_the_demo_loads_the_shipped_departments_and_a_second_load_changes_nothing(ctx):
    shipped = _shipped()
    before = _rows()
    assert list(before) == [e["code"] for e in shipped]
    assert before["tax"][1:] == ("税务局", "Tax Bureau")
    again = departments.load_departments()
    assert not again.changed and again.created == again.renamed == again.unlisted == []
    assert again.listed == list(before)
    db.session.commit()
    assert _rows() == before


def test_a_renamed_department_is_updated_not_duplicated(ctx, tmp_path):
    entries = _shipped()
    tax = next(e for e in entries if e["code"] == "tax")
    tax["name"] = {"zh": "国家税务总局上海市税务局", "en": "Shanghai Tax Service"}
    entries.append(
        {"code": "civil_affairs", "name": {"zh": "民政局", "en": "Civil Affairs Bureau"}}
    )
    before = _rows()
    clerk = db.session.execute(db.select(User).where(User.username == "clerk_tax")).scalar_one()
    changes = departments.load_departments(_write(tmp_path / "d.json", entries))
    db.session.commit()
    assert (changes.created, changes.renamed, changes.unlisted) == (["civil_affairs"], ["tax"], [])
    after = _rows()
    assert len(after) == len(before) + 1
    assert after["tax"] == (before["tax"][0], "国家税务总局上海市税务局", "Shanghai Tax Service")
    assert db.session.get(User, clerk.id).department.code == "tax"
    assert not departments.load_departments(tmp_path / "d.json").changed


def test_a_department_left_out_of_the_file_is_reported_and_kept(ctx, tmp_path):
    entries = [e for e in _shipped() if e["code"] != "housing_fund"]
    changes = departments.load_departments(_write(tmp_path / "d.json", entries))
    db.session.commit()
    assert changes.unlisted == ["housing_fund"] and not changes.changed
    assert "housing_fund" in _rows()


def test_a_bad_file_is_refused_whole_with_every_problem(ctx, tmp_path):
    before = _rows()
    bad = _write(
        tmp_path / "bad.json",
        [
            {"code": "new_one", "name": {"zh": "新部门", "en": "New"}},
            {"code": "Tax Bureau", "name": {"zh": "税务局", "en": "Tax"}},
            {"code": "new_one", "name": {"zh": "又一个", "en": ""}},
        ],
    )
    with pytest.raises(DepartmentsFileError) as refused:
        departments.load_departments(bad)
    problems = " | ".join(refused.value.problems)
    assert "department #2 ('Tax Bureau'): the code must be" in problems
    assert "department #3 ('new_one'): the code appears twice" in problems
    assert "department #3 ('new_one'): name.en must be" in problems
    db.session.rollback()
    assert _rows() == before


def test_flask_departments_load(app, ctx, tmp_path):
    entries = _shipped() + [{"code": "civil_affairs", "name": {"zh": "民政局", "en": "Civil"}}]
    path = _write(tmp_path / "d.json", entries)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["departments", "load", path])
    assert result.exit_code == 0, result.output
    assert "civil_affairs: created" in result.output
    result = runner.invoke(args=["departments", "load", path])
    assert result.exit_code == 0 and f"{len(entries)} department(s), all unchanged" in result.output
    result = runner.invoke(args=["departments", "load"])  # the shipped file
    assert "civil_affairs: not in the file" in result.output
    db.session.expire_all()
    count = db.session.execute(db.select(db.func.count()).select_from(Department)).scalar()
    assert count == len(entries)
    _write(tmp_path / "bad.json", [{"code": "x"}])
    result = runner.invoke(args=["departments", "load", str(tmp_path / "bad.json")])
    assert result.exit_code == 1 and "name.zh must be" in result.output
