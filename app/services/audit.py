"""The audit trail: writing records, recording views and exports, the auditors' search and
CSV export, and checking the hash chain.

Services record what the trail must show as `Audited` events (`events.audited(...)`); the
reaction table (`app.services.case_events`) hands each one to `append` when the unit of work
commits, inside the same transaction: a record is exactly as durable as the action it
records, and a rolled-back action leaves none (a failed log-in is recorded with
`uow.on_failure`, after the rollback). Who acted is the user the service names, else the
logged-in user of the request being served, else nobody (the system: a job, the scheduler,
a command); the client address is the request's.

Appends are serialised by the chain head (`AuditChainHead`): an append first moves the head
on (an UPDATE, which holds the row on PostgreSQL and the write lock on SQLite until the
transaction ends), so no two transactions ever link to the same record. The sequence number
comes from the head too: it has no gaps unless a record was deleted. That one UPDATE also
computes the record's hash in the database (the record's fields are known before, its number
and link only there), so an append is two statements, the head and the record; on PostgreSQL
one, the head's UPDATE as a WITH query of the record's INSERT.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cache

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, bindparam, insert, or_, select, update
from sqlalchemy.orm import make_transient_to_detached

from app import uow
from app.domain import events
from app.domain.errors import ValidationFailed
from app.domain.events import Audited
from app.extensions import db
from app.models import Attachment, AuditChainHead, AuditRecord, User, utcnow
from app.models.audit_trail import GENESIS_HASH, canonical_sql, sha256_hex
from app.services import periods

HEAD_ID = 1
PER_PAGE = 50
EXPORT_MAX_ROWS = 100_000  # one export; narrow the search for more

_head = AuditChainHead.__table__
# Move the head on by one record in one statement: its number, its link (the hash the head
# held) and its hash, computed by the database from the record's other fields (`fields`):
# the SET expressions all read the head as it was.
_ADVANCE_HEAD = (
    update(_head)
    .where(_head.c.id == HEAD_ID)
    .values(
        last_seq=_head.c.last_seq + 1,
        prev_hash=_head.c.last_hash,
        last_hash=sha256_hex(
            canonical_sql(_head.c.last_seq + 1, bindparam("fields", type_=Text), _head.c.last_hash)
        ),
    )
    .returning(_head.c.last_seq, _head.c.prev_hash, _head.c.last_hash)
)


def append(entry: Audited) -> AuditRecord:
    """Write `entry` as the next record of the chain (the reaction to `Audited`)."""
    actor = (entry.actor_id, entry.actor_role, entry.actor_username)
    if actor == (None, None, None):
        user = _request_user()
        if user is not None:
            actor = (user.id, getattr(user.role, "value", user.role), user.username)
    record = AuditRecord(
        at=utcnow(),
        actor_id=actor[0],
        actor_role=actor[1],
        actor_username=actor[2],
        client_addr=_clip(entry.client_addr or _request_address(), 64),
        action=entry.action,
        object_type=_clip(entry.object_type, 32),
        object_id=_clip(entry.object_id, 128),
        # as the database gives it back (tuples become lists, dates text): the hash must
        # come out the same when `verify` reads the record
        details=json.loads(json.dumps(entry.details or {}, default=str)),
    )
    in_one_statement = db.session.get_bind().dialect.name == "postgresql"
    if in_one_statement:  # the head and the record together (one round trip instead of two)
        record.seq, record.prev_hash, record.hash = _advance_head_and_insert(record)
    else:
        record.seq, record.prev_hash, record.hash = _advance_head(record.canonical_fields())
    if record.compute_hash() != record.hash:  # the database hashed another text: stop here
        raise RuntimeError(f"audit record {record.seq}: the chain head's hash does not match")
    if in_one_statement:  # in the database already: the session takes it as loaded
        make_transient_to_detached(record)
    db.session.add(record)
    return record


# A record's own fields (besides its number, link and hash), in the trail's column order.
_RECORD_FIELDS = (
    "at",
    "actor_id",
    "actor_role",
    "actor_username",
    "client_addr",
    "action",
    "object_type",
    "object_id",
    "details",
)


def _advance_head_and_insert(record: AuditRecord) -> tuple[int, str, str]:
    """PostgreSQL: move the head on and write `record` with the number, link and hash it
    gives, as one statement (a data-modifying WITH query); its (seq, prev_hash, hash). If the
    transaction rolls back, both are undone, as with two statements."""
    values = {name: getattr(record, name) for name in _RECORD_FIELDS}
    values["fields"] = record.canonical_fields()
    row = db.session.execute(_append_statement(), values).first()
    if row is None:  # no head row (an emptied database): start it from the last record
        _create_head()
        row = db.session.execute(_append_statement(), values).first()
    return int(row.seq), row.prev_hash, row.hash


@cache
def _append_statement():
    """The head's UPDATE as a WITH query of the record's INSERT, the record's fields bound
    by name (built once: SQLAlchemy then compiles it once)."""
    table = AuditRecord.__table__
    head = _ADVANCE_HEAD.cte("head")
    fields = [bindparam(name, type_=table.c[name].type) for name in _RECORD_FIELDS]
    return (
        insert(table)
        .from_select(
            ["seq", "prev_hash", "hash", *_RECORD_FIELDS],
            select(head.c.last_seq, head.c.prev_hash, head.c.last_hash, *fields),
        )
        .returning(table.c.seq, table.c.prev_hash, table.c.hash)
    )


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value else None


def _advance_head(fields: str) -> tuple[int, str, str]:
    """Move the head on to a new record with these `canonical_fields`; its (seq, prev_hash,
    hash)."""
    row = db.session.execute(_ADVANCE_HEAD, {"fields": fields}).first()
    if row is None:  # no head row (an emptied database): start it from the last record
        _create_head()
        row = db.session.execute(_ADVANCE_HEAD, {"fields": fields}).first()
    return int(row.last_seq), row.prev_hash, row.last_hash


def _create_head() -> None:
    last = db.session.execute(
        select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)
    ).first()
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(_head)
        .values(
            id=HEAD_ID,
            last_seq=last.seq if last else 0,
            last_hash=last.hash if last else GENESIS_HASH,
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )


def _request_user():
    if not has_request_context():
        return None
    from flask_login import current_user

    user = current_user._get_current_object() if current_user else None
    return user if getattr(user, "is_authenticated", False) else None


def _request_address() -> str | None:
    return request.remote_addr if has_request_context() else None


# --- views and exports that are use cases of their own -------------------------------------


@uow.use_case
def record_case_view(user: User, application_id: int, **details) -> None:
    """`user` opened a page showing case `application_id` (its form, files, timeline)."""
    events.audited(
        "view_case", actor=user, object_type="case", object_id=application_id, details=details
    )


@uow.use_case
def record_file_view(user: User, attachment: Attachment) -> None:
    """`user` opened an uploaded file of a case. The applicant's look at their own file is
    not recorded: the trail is about who saw someone else's data."""
    if attachment.application.citizen_id == user.id:
        return
    events.audited(
        "view_file",
        actor=user,
        object_type="file",
        object_id=attachment.id,
        details={"case": attachment.application_id, "slot": attachment.slot},
    )


@uow.use_case
def record_export(user: User, what: str, **details) -> None:
    """`user` downloaded `what` (a CSV of figures, of cases, of the trail…)."""
    events.audited("export", actor=user, object_type=what, details=details)


# --- the auditors' search and export ----------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    """What an auditor searches for; empty fields do not narrow the search."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    first: object = None  # a local calendar date, both ends included
    last: object = None

    def args(self) -> dict:
        """The query as URL arguments (for pages and the export link)."""
        out = {
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "from": self.first.isoformat() if self.first else "",
            "to": self.last.isoformat() if self.last else "",
        }
        return {k: v for k, v in out.items() if v}


def parse_query(args) -> AuditQuery:
    """The search in request arguments; ValidationFailed({"from"|"to"|"action": message})."""
    errors: dict = {}
    days = {}
    for key in ("from", "to"):
        raw = (args.get(key) or "").strip()
        if raw:
            try:
                days[key] = periods.parse_day(raw, key)
            except ValidationFailed as exc:
                errors.update(exc.errors)
    if "from" in days and "to" in days and days["from"] > days["to"]:
        errors["to"] = _l("The end date is before the start date.")
    action = (args.get("action") or "").strip()
    if action and action not in events.AUDIT_ACTIONS:
        errors["action"] = _l("Choose an action from the list.")
    if errors:
        raise ValidationFailed(errors)
    return AuditQuery(
        actor=(args.get("actor") or "").strip()[:64],
        action=action,
        object_type=(args.get("object_type") or "").strip()[:32],
        object_id=(args.get("object_id") or "").strip()[:64],
        first=days.get("from"),
        last=days.get("to"),
    )


def _filtered(query: AuditQuery):
    stmt = select(AuditRecord)
    if query.actor:
        stmt = stmt.where(
            or_(
                AuditRecord.actor_username == query.actor,
                AuditRecord.actor_id == (int(query.actor) if query.actor.isdigit() else -1),
            )
        )
    if query.action:
        stmt = stmt.where(AuditRecord.action == query.action)
    if query.object_type:
        stmt = stmt.where(AuditRecord.object_type == query.object_type)
    if query.object_id:
        stmt = stmt.where(AuditRecord.object_id == query.object_id)
    tz = periods.local_tz()
    if query.first:
        stmt = stmt.where(AuditRecord.at >= _local_midnight(query.first, tz))
    if query.last:
        stmt = stmt.where(AuditRecord.at < _local_midnight(query.last + timedelta(days=1), tz))
    return stmt


def _local_midnight(day, tz) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


@dataclass
class AuditPage:
    """One page of search results, newest first."""

    records: list
    total: int
    page: int
    pages: int
    query: AuditQuery = field(default_factory=AuditQuery)


def search(query: AuditQuery, page: int = 1, per_page: int = PER_PAGE) -> AuditPage:
    """The records matching `query`, newest first, `per_page` at a time."""
    stmt = _filtered(query)
    total = db.session.execute(
        select(db.func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    records = list(
        db.session.execute(
            stmt.order_by(AuditRecord.seq.desc()).offset((page - 1) * per_page).limit(per_page)
        ).scalars()
    )
    return AuditPage(records, total, page, pages, query)


CSV_COLUMNS = ("seq", *_RECORD_FIELDS, "prev_hash", "hash")


@uow.use_case
def export_csv(auditor: User, query: AuditQuery) -> str:
    """The records matching `query` as CSV (oldest first, with their hashes, so that the
    file can be checked against the chain), itself recorded as an export."""
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads the file as UTF-8 with this mark
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = db.session.execute(
        _filtered(query).order_by(AuditRecord.seq).limit(EXPORT_MAX_ROWS)
    ).scalars()
    count = 0
    for rec in rows:
        count += 1
        writer.writerow(
            [
                rec.seq,
                rec.at.astimezone(UTC).isoformat(timespec="microseconds"),
                rec.actor_id if rec.actor_id is not None else "",
                rec.actor_role or "",
                rec.actor_username or "",
                rec.client_addr or "",
                rec.action,
                rec.object_type or "",
                rec.object_id or "",
                json.dumps(rec.details or {}, ensure_ascii=False, sort_keys=True),
                rec.prev_hash,
                rec.hash,
            ]
        )
    events.audited(
        "export",
        actor=auditor,
        object_type="audit_trail",
        details={"query": query.args(), "rows": count},
    )
    return out.getvalue()


# --- checking the chain ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    """What `verify` found: `ok`, how many records it read, and the first problem (with the
    number of the record it concerns)."""

    ok: bool
    checked: int
    seq: int | None = None
    problem: str | None = None


def verify(batch: int = 1000) -> ChainReport:
    """Walk the whole chain from record 1 and report the first break: a record whose hash
    does not match its content (altered), a missing number (deleted), a record that does
    not link to the one before it or lies beyond the chain head (inserted)."""
    expected, prev_hash, checked = 1, GENESIS_HASH, 0
    rows = db.session.execute(
        select(AuditRecord).order_by(AuditRecord.seq).execution_options(yield_per=batch)
    ).scalars()
    pending = None  # one record of look-ahead, to tell an inserted record from a gap
    records = iter(rows)
    while True:
        rec = pending if pending is not None else next(records, None)
        pending = None
        if rec is None:
            break
        if rec.compute_hash() != rec.hash:
            return ChainReport(False, checked, rec.seq, _altered(rec))
        if rec.seq != expected or rec.prev_hash != prev_hash:
            following = next(records, None)
            if following is not None and following.prev_hash == prev_hash:
                return ChainReport(
                    False,
                    checked,
                    rec.seq,
                    f"record {rec.seq} was inserted: record {following.seq} links to "
                    f"record {expected - 1}, not to it",
                )
            if rec.seq > expected:
                gap = f"{expected}" if rec.seq == expected + 1 else f"{expected}–{rec.seq - 1}"
                return ChainReport(
                    False,
                    checked,
                    expected,
                    f"record {gap} deleted: record {rec.seq} follows record {expected - 1}",
                )
            return ChainReport(
                False,
                checked,
                rec.seq,
                f"record {rec.seq} does not link to record {expected - 1} (prev_hash differs): "
                "inserted, or the record before it was replaced",
            )
        checked += 1
        expected, prev_hash = rec.seq + 1, rec.hash
    return _check_head(checked, expected - 1, prev_hash)


def _altered(rec: AuditRecord) -> str:
    return f"record {rec.seq} altered: its hash does not match its content"


def _check_head(checked: int, last_seq: int, last_hash: str) -> ChainReport:
    head = db.session.get(AuditChainHead, HEAD_ID)
    if head is None:
        if checked:
            return ChainReport(False, checked, None, "the chain head is missing")
        return ChainReport(True, 0)
    if head.last_seq > last_seq:
        first = last_seq + 1
        gap = f"{first}" if head.last_seq == first else f"{first}–{head.last_seq}"
        return ChainReport(
            False,
            checked,
            first,
            f"record {gap} deleted: the chain head counts {head.last_seq} records, "
            f"the trail ends at {last_seq}",
        )
    if head.last_seq < last_seq:
        return ChainReport(
            False,
            checked,
            head.last_seq + 1,
            f"record {head.last_seq + 1} was inserted: it lies beyond the chain head "
            f"({head.last_seq} records)",
        )
    if head.last_hash != last_hash:
        return ChainReport(
            False,
            checked,
            last_seq,
            f"record {last_seq} was replaced: its hash differs from the chain head's",
        )
    return ChainReport(True, checked)
