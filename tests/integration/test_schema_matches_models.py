"""The schema the migrations build is the schema the models describe: tables, columns,
indexes (partial ones included), unique constraints and foreign keys. Migrations are the only
way the schema changes, so a model edited without its migration (or the reverse) fails here,
on SQLite and on PostgreSQL, instead of in production."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.extensions import db


def schema_differences(app) -> list:
    """What alembic's autogenerate would add or drop to make the migrated database match
    the models (column types are not compared: JSON and enum types map differently per
    database on purpose)."""
    with app.app_context(), db.engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect the expression index uq_application_one_draft: skipped there.
        warnings.filterwarnings("ignore", message="autogenerate skipping")
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection")
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        return compare_metadata(context, db.metadata)


def test_the_migrated_schema_is_the_models_schema(app):
    assert schema_differences(app) == []


def test_an_index_missing_from_the_migrations_is_found(app):
    """The comparison sees an index the models declare and no migration made."""
    from sqlalchemy import Index

    from app.models import HumanTask

    extra = Index("ix_only_in_the_model", HumanTask.__table__.c.outcome)
    try:
        found = schema_differences(app)
    finally:
        HumanTask.__table__.indexes.discard(extra)
    assert [d[0] for d in found if not isinstance(d, list)] == ["add_index"]


def test_the_columns_an_index_carries_are_the_models(app):
    """PostgreSQL: the columns each index carries (`INCLUDE`, which the comparison above
    does not see) are the ones the models declare, for the queue's indexes that are read
    alone (migration 0031)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (SQLite has no INCLUDE; the CI run sets DATABASE_URL)")
        declared = {
            (table.name, index.name): list(index.dialect_options["postgresql"]["include"] or [])
            for table in db.metadata.tables.values()
            for index in table.indexes
        }
        inspector = inspect(db.engine)
        migrated = {
            (table, index["name"]): list(
                index.get("dialect_options", {}).get("postgresql_include", [])
            )
            for table in {t for t, _ in declared}
            for index in inspector.get_indexes(table)
        }
    carried = {key: columns for key, columns in declared.items() if columns}
    assert carried, "no index declares columns it carries"
    assert {key: migrated.get(key) for key in declared} == declared
