"""The audit trail: what is recorded, `flask audit verify` against tampering made directly in
the database, PostgreSQL's refusal to change records, the auditor's search and export, and
concurrent appends that keep one chain."""

from __future__ import annotations

import csv
import io
import os
import re
import threading
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import uow
from app.domain import events
from app.extensions import db
from app.models import Attachment, AuditRecord, HumanTask, User
from app.models.audit_trail import GENESIS_HASH, AuditChainHead
from app.services import audit
from tests import journeys

ON_POSTGRES = (os.environ.get("DATABASE_URL") or "").startswith("postgres")


def _append(n: int, what: str = "thing") -> None:
    with uow.unit_of_work():
        for i in range(n):
            events.audited("admin_change", object_type=what, object_id=i, details={"n": i})


def _records(**where) -> list[AuditRecord]:
    stmt = db.select(AuditRecord).order_by(AuditRecord.seq)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditRecord, key) == value)
    return list(db.session.execute(stmt).scalars())


def _verify(app):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def _tamper(sql: str, **params) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)
    db.session.expire_all()


def test_verify_passes_on_an_untouched_trail(empty_db):
    _append(4)
    with uow.unit_of_work():  # details as the database gives them back: lists, text
        events.audited("export", details={"pair": (1, 2), "day": date(2030, 1, 1)})
    code, out = _verify(empty_db)
    assert code == 0 and "OK: 5 record(s)" in out
    seqs = [r.seq for r in _records()]
    assert seqs == [1, 2, 3, 4, 5] and _records()[0].prev_hash == GENESIS_HASH
    assert _records()[-1].details == {"pair": [1, 2], "day": "2030-01-01"}


def test_the_database_hashes_each_record_as_verify_does(empty_db):
    """The head's UPDATE hashes the record in SQL: text of every kind comes out the same."""
    odd = 'é 营业执照 "quoted" back\\slash\nnew line \t tab 😀 \u2028 <&>'
    with uow.unit_of_work():
        events.audited("admin_change", object_type="x" + odd, object_id=odd, details={odd: odd})
        events.audited("admin_change", details={"n": [1.5, None, True, odd]})
    code, out = _verify(empty_db)
    assert code == 0 and "OK: 2 record(s)" in out
    first, second = _records()
    assert first.hash == first.compute_hash() and second.prev_hash == first.hash
    head = db.session.get(AuditChainHead, 1)
    assert (head.last_seq, head.prev_hash, head.last_hash) == (2, first.hash, second.hash)


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL refuses the UPDATE (tested below)")
def test_verify_names_a_record_altered_in_the_database(empty_db):
    _append(5)
    _tamper("UPDATE audit_record SET object_id = '99' WHERE seq = 3")
    code, out = _verify(empty_db)
    assert code == 1 and "record 3 altered" in out


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL refuses the DELETE (tested below)")
def test_verify_names_a_record_deleted_in_the_database(empty_db):
    _append(5)
    _tamper("DELETE FROM audit_record WHERE seq = 3")
    code, out = _verify(empty_db)
    assert code == 1 and "record 3 deleted" in out


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL refuses the DELETE (tested below)")
def test_verify_names_records_cut_off_the_end(empty_db):
    _append(5)
    _tamper("DELETE FROM audit_record WHERE seq >= 4")
    code, out = _verify(empty_db)
    assert code == 1 and "record 4–5 deleted" in out


def _forged(seq: int, prev_hash: str) -> AuditRecord:
    last = _records()[-1]
    forged = AuditRecord(
        seq=seq,
        at=last.at,
        actor_username="admin",
        action="login",
        details={},
        prev_hash=prev_hash,
    )
    forged.hash = forged.compute_hash()
    return forged


def _insert(rec: AuditRecord) -> None:
    _tamper(
        "INSERT INTO audit_record (seq, at, actor_username, action, details, prev_hash, hash) "
        "VALUES (:seq, :at, :who, :action, '{}', :prev, :hash)",
        seq=rec.seq,
        at=rec.at,
        who=rec.actor_username,
        action=rec.action,
        prev=rec.prev_hash,
        hash=rec.hash,
    )


def test_verify_names_a_well_forged_record_inserted_in_the_database(empty_db):
    """Linked and hashed like a real one: only the chain head tells it was never appended."""
    _append(5)
    _insert(_forged(6, _records()[-1].hash))
    code, out = _verify(empty_db)
    assert code == 1 and "record 6 was inserted" in out


def test_verify_names_a_record_inserted_that_does_not_link(empty_db):
    _append(5)
    _insert(_forged(6, "f" * 64))
    code, out = _verify(empty_db)
    assert code == 1 and "record 6 does not link to record 5" in out


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="the trigger exists on PostgreSQL only")
def test_postgres_refuses_to_update_or_delete_a_record(empty_db):
    _append(3)
    for sql in (
        "UPDATE audit_record SET object_id = '99' WHERE seq = 2",
        "DELETE FROM audit_record WHERE seq = 2",
        "TRUNCATE audit_record",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            _tamper(sql)
    assert [r.object_id for r in _records()] == ["0", "1", "2"]
    assert _verify(empty_db)[0] == 0


def test_concurrent_appends_keep_one_chain(empty_db):
    app, threads_n, each = empty_db, 4, 10
    barrier, failures = threading.Barrier(threads_n), []

    def append_in_thread(k):
        with app.app_context():
            barrier.wait()
            try:
                for i in range(each):
                    with uow.unit_of_work():
                        events.audited("api_call", object_type=f"t{k}", object_id=i)
            except Exception as exc:  # noqa: BLE001 — reported below
                failures.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=append_in_thread, args=(k,)) for k in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    records = _records()
    assert [r.seq for r in records] == list(range(1, threads_n * each + 1))
    assert {r.object_type for r in records} == {f"t{k}" for k in range(threads_n)}
    report = audit.verify()
    assert report.ok and report.checked == threads_n * each


def test_log_ins_views_decisions_and_log_outs_are_recorded(app, client, make_client, wait_jobs):
    app_id = journeys.submitted_case(
        client, wait_jobs, seed=41, mobile="13911114101", rendered=False
    )
    clerk = make_client()
    clerk.get("/login")
    refused = clerk.post("/login", {"login": "clerk_tax", "password": "Wrong-guess-1"})
    assert refused.status_code == 401
    clerk.login("clerk_tax")
    with app.app_context():
        task = db.session.execute(
            db.select(HumanTask).where(HumanTask.application_id == app_id, HumanTask.lane == "tax")
        ).scalar_one()
        task_id = task.id
        att_id = (
            db.session.execute(db.select(Attachment.id).where(Attachment.application_id == app_id))
            .scalars()
            .first()
        )
    assert clerk.get(f"/clerk/tasks/{task_id}").status_code == 200
    assert clerk.get(f"/files/{att_id}").status_code == 200
    assert clerk.get(f"/files/{att_id}/preview").status_code == 200  # an image: itself
    resp = clerk.post(f"/clerk/tasks/{task_id}/decide", {"approved": "true", "comment": "同意"})
    assert resp.status_code == 302
    clerk.logout()

    with app.app_context():
        clerk_user = db.session.execute(
            db.select(User).where(User.username == "clerk_tax")
        ).scalar_one()
        failed = _records(action="login_failed")
        assert len(failed) == 1
        assert failed[0].actor_id == clerk_user.id and failed[0].client_addr == "127.0.0.1"
        assert failed[0].details == {"login": "clerk_tax", "reason": "bad_credentials"}
        assert "Wrong-guess-1" not in failed[0].canonical()
        mine = {(r.action, r.object_type, r.object_id) for r in _records(actor_id=clerk_user.id)}
        assert {
            ("login", "user", str(clerk_user.id)),
            ("view_case", "case", str(app_id)),
            ("view_file", "file", str(att_id)),
            ("decide", "case", str(app_id)),
            ("logout", "user", str(clerk_user.id)),
        } <= mine
        citizen = db.session.execute(
            db.select(User).where(User.mobile == "13911114101")
        ).scalar_one()
        registered = _records(action="login", actor_id=citizen.id)
        assert [r.details for r in registered] == [{"via": "register"}]
        decided = [r for r in _records(action="decide") if r.actor_username == "clerk_tax"][0]
        assert decided.actor_role == "clerk"  # (the intake was decided before, by another clerk)
        assert decided.details == {"task": task_id, "outcome": "approved"}
        # one record per look: the file, then its preview (which, for an image, is the file)
        assert db.session.get(Attachment, att_id).mime_type.startswith("image/")
        assert len(_records(action="view_file")) == 2
        # the citizen looking at their own file is not someone else's look at personal data
        assert client.get(f"/files/{att_id}").status_code == 200
        assert len(_records(action="view_file")) == 2
        assert audit.verify().ok


def test_admin_changes_are_recorded_with_the_administrator(app, make_client):
    admin = make_client()
    admin.login("admin")
    admin.post("/admin/holidays", {"day": "2031-10-01", "name": "国庆节"})
    admin.post("/admin/holidays/2031-10-01/delete")
    with app.app_context():
        changes = [r for r in _records(action="admin_change") if r.object_type == "holiday"]
        assert [(r.object_id, r.details["change"], r.actor_username) for r in changes] == [
            ("2031-10-01", "save_day", "admin"),
            ("2031-10-01", "delete_day", "admin"),
        ]
        deploys = _records(action="admin_change", object_type="process")  # by `demo load`
        assert {r.object_id for r in deploys} >= {"business_registration", "residence_permit"}
        assert {(r.actor_id, r.details["change"]) for r in deploys} == {(None, "deploy")}


def test_auditor_searches_pages_and_exports_and_the_export_is_recorded(app, make_client):
    with app.app_context():
        _append(60, what="widget")
    auditor = make_client()
    auditor.login("auditor")
    page = auditor.get("/audit/?object_type=widget").get_data(as_text=True)
    assert re.search(r'id="audit-total">[^<]*\b60\b', page)
    assert page.count('data-action="admin_change"') == audit.PER_PAGE
    second = auditor.get("/audit/?object_type=widget&page=2").get_data(as_text=True)
    assert second.count('data-action="admin_change"') == 10
    only = auditor.get("/audit/?object_type=widget&object_id=7").get_data(as_text=True)
    assert only.count('data-action="admin_change"') == 1
    logins = auditor.get("/audit/?action=login&actor=auditor").get_data(as_text=True)
    assert logins.count('data-action="login"') == 1
    future = auditor.get("/audit/?from=2099-01-01").get_data(as_text=True)
    assert 'data-action="' not in future
    bad = auditor.get("/audit/?from=yesterday")
    assert bad.status_code == 400
    backwards = auditor.get("/audit/?from=2026-05-02&to=2026-05-01&lang=en")
    assert backwards.status_code == 400
    assert "The end date is before the start date." in backwards.get_data(as_text=True)

    resp = auditor.get("/audit/export.csv?object_type=widget")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 60 and {r["object_type"] for r in rows} == {"widget"}
    assert rows[0]["hash"] and rows[1]["prev_hash"] == rows[0]["hash"]
    with app.app_context():
        exports = _records(action="export")
        assert len(exports) == 1 and exports[0].actor_username == "auditor"
        assert exports[0].details == {"query": {"object_type": "widget"}, "rows": 60}


def test_only_auditors_reach_the_audit_pages(app, make_client):
    anonymous = make_client()
    assert anonymous.get("/audit/").status_code == 302  # to the log-in page
    for login in ("admin", "clerk_tax", "13800138000"):
        other = make_client()
        other.login(login)
        assert other.get("/audit/").status_code == 403
        assert other.get("/audit/export.csv").status_code == 403
    with app.app_context():
        assert _records(action="export") == []
