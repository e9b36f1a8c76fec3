"""Reference data kept per process (`uow.per_process`, `uow.per_process_row`): read once for
CATALOGUE_CACHE_SECONDS, dropped by a commit in this process that changes the model (through
the session or an ORM bulk statement), not used by a transaction that changed the model
itself, and not kept at all at 0 seconds."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, event, update

from app import uow
from app.domain import calendar
from app.domain.catalogue import service_of
from app.extensions import db
from app.models import Application, Department, Holiday, ProcessVersion, Role, Service, User
from app.workflow import tasks


@pytest.fixture()
def kept(empty_db, monkeypatch):
    """An emptied database, values kept for an hour, and a counter of SQL statements."""
    monkeypatch.setitem(empty_db.config, "CATALOGUE_CACHE_SECONDS", 3600)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield statements
    event.remove(db.engine, "before_cursor_execute", count)


def _holidays() -> dict:
    return calendar.exceptions_between(date(2030, 1, 1), date(2030, 1, 31))


def _new_transaction() -> None:
    db.session.rollback()


def test_a_look_up_is_read_once_and_dropped_by_a_commit_that_changes_its_model(kept):
    db.session.add(Holiday(day=date(2030, 1, 2), name="one", is_workday=False))
    db.session.commit()
    assert _holidays() == {date(2030, 1, 2): False}
    _new_transaction()
    kept.clear()
    assert _holidays() == {date(2030, 1, 2): False}
    assert kept == []  # another transaction: nothing read

    db.session.add(Holiday(day=date(2030, 1, 3), name="two", is_workday=False))
    assert _holidays() == {date(2030, 1, 2): False, date(2030, 1, 3): False}  # its own write
    db.session.commit()
    assert _holidays() == {date(2030, 1, 2): False, date(2030, 1, 3): False}

    db.session.execute(update(Holiday).values(is_workday=True))  # an ORM bulk statement
    db.session.commit()
    assert _holidays() == {date(2030, 1, 2): True, date(2030, 1, 3): True}
    db.session.execute(delete(Holiday))
    db.session.commit()
    assert _holidays() == {}


def test_a_rolled_back_change_keeps_what_was_kept(kept):
    assert _holidays() == {}
    db.session.add(Holiday(day=date(2030, 1, 2), name="one", is_workday=False))
    db.session.flush()
    assert _holidays() == {date(2030, 1, 2): False}  # the transaction's own write
    db.session.rollback()
    kept.clear()
    assert _holidays() == {}
    assert kept == []


def test_nothing_is_kept_at_zero_seconds(kept, empty_db):
    empty_db.config["CATALOGUE_CACHE_SECONDS"] = 0
    assert _holidays() == {}
    _new_transaction()
    kept.clear()
    assert _holidays() == {}
    assert len(kept) == 1


def test_a_kept_row_comes_back_attached_to_each_session_without_a_query(kept):
    db.session.add(Department(code="tax", name_zh="税务局", name_en="Tax"))
    db.session.commit()
    first = tasks.department_by_code("tax")
    assert first.name_en == "Tax"
    db.session.remove()
    kept.clear()
    again = tasks.department_by_code("tax")
    assert kept == []
    assert again is not first and again in db.session and again.name_en == "Tax"
    assert tasks.department_by_code("tax") is again  # once per transaction

    again.name_en = "Taxation"
    assert tasks.department_by_code("tax").name_en == "Taxation"
    db.session.commit()
    db.session.remove()
    assert tasks.department_by_code("tax").name_en == "Taxation"
    assert tasks.department_by_code("nothing") is None


def test_values_kept_for_a_database_emptied_behind_the_sessions_back_can_be_dropped(kept, empty_db):
    key = ("answer",)
    assert uow.per_process(Holiday, key, lambda: 42) == 42
    assert uow.per_process(Holiday, key, lambda: 43) == 42
    uow.forget_kept(empty_db)
    assert uow.per_process(Holiday, key, lambda: 43) == 43


def test_a_case_s_service_expired_by_a_commit_is_filled_from_what_is_kept(kept):
    svc = Service(
        code="s", name_zh="甲", name_en="A", process_id="p", time_limit_days=5, definition={}
    )
    citizen = User(username="c", real_name="乙", password_hash="x", role=Role.CITIZEN)
    case = Application(service=svc, citizen=citizen)
    assert service_of(case) is svc  # not stored yet: the service it was given
    db.session.add(case)
    db.session.commit()
    assert service_of(case) is svc and svc.time_limit_days == 5
    db.session.commit()  # expires every row of the session
    kept.clear()
    assert service_of(case) is svc and svc.time_limit_days == 5 and svc.definition == {}
    assert case.service is svc
    assert [s for s in kept if "FROM service" in s] == []

    svc.time_limit_days = 9  # an edit in this process shows at once, in and after its use case
    assert service_of(case).time_limit_days == 9
    db.session.commit()
    case_id = case.id
    db.session.remove()
    case = db.session.get(Application, case_id)
    fresh = service_of(case)
    assert fresh is not svc and fresh.time_limit_days == 9 and case.service is fresh


def test_a_deployment_in_this_process_is_the_current_version_at_once(kept):
    from app.workflow import runtime

    def deploy(version: int) -> ProcessVersion:
        db.session.execute(
            update(ProcessVersion).where(ProcessVersion.process_id == "p").values(is_current=False)
        )
        row = ProcessVersion(
            process_id="p",
            version=version,
            content_hash=f"h{version}",
            source_files={},
            spec_json="{}",
        )
        db.session.add(row)
        db.session.commit()
        return row

    first = deploy(1)
    assert runtime.current_version("p").id == first.id
    db.session.remove()
    kept.clear()
    assert runtime.current_version("p").version == 1 and kept == []
    db.session.remove()
    second = deploy(2)
    assert runtime.current_version("p").id == second.id
