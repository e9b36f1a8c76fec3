"""The audit trail: who did what to which object, when and from where, as a hash chain.

Not the case timeline (`app.models.audit.CaseEvent`, what a citizen sees of a case): this is
the record an auditor reads. Each `AuditRecord` carries the SHA-256 of the record before it
(`prev_hash`) and its own hash over every field and that link (`compute_hash`), so that an
altered, deleted or inserted record breaks the chain (`flask audit verify`). Records are
only ever appended, one at a time through `AuditChainHead` (see `app.services.audit`); on
PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE of `audit_record`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from sqlalchemy import BigInteger, Index, Integer, String, Text, cast, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from app.extensions import db
from app.models.base import JSONType, UTCDateTime

GENESIS_HASH = "0" * 64  # the `prev_hash` of the first record


class AuditRecord(db.Model):
    """One entry of the audit trail. `seq` counts 1, 2, 3… without gaps (assigned under the
    chain-head lock, not by a database sequence, which would skip numbers on rollback)."""

    __tablename__ = "audit_record"
    __table_args__ = (
        Index("ix_audit_record_object", "object_type", "object_id"),
        Index("ix_audit_record_actor_at", "actor_username", "at"),
    )
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at = mapped_column(UTCDateTime, nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: outlives the user
    actor_role: Mapped[str | None] = mapped_column(String(16))
    actor_username: Mapped[str | None] = mapped_column(String(64))
    client_addr: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(128))
    details = mapped_column(JSONType, nullable=False, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)

    def canonical(self) -> str:
        """The record's fields and its link, serialised the same way on every database: the
        JSON list [seq, at, actor..., details, prev_hash]."""
        return f"[{json.dumps(self.seq)},{self.canonical_fields()},{json.dumps(self.prev_hash)}]"

    def canonical_fields(self) -> str:
        """`canonical()` between its first and last item (the number and the link, which the
        chain head gives: see `canonical_sql`)."""
        at = self.at.astimezone(UTC).isoformat(timespec="microseconds") if self.at else None
        return json.dumps(
            [
                at,
                self.actor_id,
                self.actor_role,
                self.actor_username,
                self.client_addr,
                self.action,
                self.object_type,
                self.object_id,
                self.details or {},
            ],
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )[1:-1]

    def compute_hash(self) -> str:
        """SHA-256 (hex) of `canonical()`: what `hash` must be."""
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()


class AuditChainHead(db.Model):
    """The one row (id 1) that says where the chain ends. An append updates it first, which
    locks it (PostgreSQL: the row; SQLite: the database) until the transaction ends, so two
    appends never read the same end and fork the chain; `flask audit verify` compares it
    with the last record, so records cut off the end are noticed too. The append moves it
    on in one statement, computing the new record's hash in the database (`canonical_sql`):
    `prev_hash` is the hash the last record links to (what `last_hash` was before it)."""

    __tablename__ = "audit_chain_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False, default=GENESIS_HASH)
    prev_hash: Mapped[str | None] = mapped_column(String(64))


class sha256_hex(FunctionElement):
    """SHA-256 (hex) of a text's UTF-8 bytes, computed by the database: PostgreSQL's own
    sha256(); on SQLite a function each connection is given (`app.extensions`)."""

    type = String()
    inherit_cache = True
    name = "sha256_hex"


@compiles(sha256_hex)
def _sha256_sqlite(element, compiler, **kw):
    return f"onewindow_sha256({compiler.process(element.clauses, **kw)})"


@compiles(sha256_hex, "postgresql")
def _sha256_postgresql(element, compiler, **kw):
    return f"encode(sha256(convert_to({compiler.process(element.clauses, **kw)}, 'UTF8')), 'hex')"


def canonical_sql(seq, fields, prev_hash):
    """`AuditRecord.canonical()` as an SQL expression of the record's number, its other
    fields (`canonical_fields()`, a bound text) and its link: the same text, to the byte."""
    return (
        literal("[", Text)
        + cast(seq, Text)
        + literal(",", Text)
        + fields
        + literal(',"', Text)
        + prev_hash
        + literal('"]', Text)
    )
