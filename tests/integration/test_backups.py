"""Backups (`flask backup create|verify`): a backup restored as the README says gives an
instance with the same cases, the same files byte for byte and the same signing keys, on
SQLite and on PostgreSQL; a part that changed or went missing is found by `verify`."""

from __future__ import annotations

import hashlib
import os
import subprocess
import tarfile

import pytest
from sqlalchemy import make_url

from app import create_app
from app.extensions import db
from app.models import Application, Attachment, Service
from app.services import applications, backups, uploads
from app.services.signing import init_demo_ca, signing_files
from tests.write_path_case import make_citizens, png


def _draft_with_a_file(app) -> str:
    """A citizen's draft with one uploaded file; returns the file's sha256."""
    with app.test_request_context():
        (citizen_id,) = make_citizens(1)
        db.session.commit()
        from app.models import User

        citizen = db.session.get(User, citizen_id)
        service = db.session.execute(
            db.select(Service).where(Service.code == "business_registration")
        ).scalar_one()
        draft = applications.start_draft(citizen, service)
        stored = applications.add_attachment(draft, "lease", "lease.png", png())
        digest = stored.sha256
        init_demo_ca()
        db.session.remove()
    return digest


def _restore(app, folder, tmp_path):
    """Restore `folder` as the README says, into a new instance; returns its app."""
    files, keys = tmp_path / "restored-files", tmp_path / "restored-signing"
    for archive, into in (("files.tar", files), ("signing.tar", keys)):
        with tarfile.open(folder / archive) as tar:
            tar.extractall(into, filter="data")
    if (folder / backups.SQLITE_PART).exists():
        url = f"sqlite:///{folder / backups.SQLITE_PART}"
    else:
        source = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        name = f"{source.database}_restored"
        admin = ["psql", "-h", source.host, "-p", str(source.port or 5432), "-U", source.username]
        subprocess.run(
            [*admin, "-q", "-c", f"DROP DATABASE IF EXISTS {name}", "postgres"], check=True
        )
        subprocess.run([*admin, "-q", "-c", f"CREATE DATABASE {name}", "postgres"], check=True)
        subprocess.run(
            ["pg_restore", "--no-owner", "-h", source.host, "-p", str(source.port or 5432),
             "-U", source.username, "-d", name, str(folder / backups.PG_PART)],
            check=True, capture_output=True,
        )  # fmt: skip
        url = source.set(database=name).render_as_string(hide_password=False)
    return create_app(
        "testing", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(files), SIGNING_DIR=str(keys)
    )


def test_a_backup_restores_the_cases_the_files_and_the_keys(app, demo, wait_jobs, tmp_path):
    digest = _draft_with_a_file(app)
    wait_jobs()
    result = app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "backups").iterdir()
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in folder.iterdir())
    with app.app_context():
        expected = db.session.execute(db.select(db.func.count(Application.id))).scalar()
        key = signing_files().key.read_bytes()
        db.session.remove()
    restored = _restore(app, folder, tmp_path)
    try:
        with restored.app_context():
            assert db.session.execute(db.select(db.func.count(Application.id))).scalar() == expected
            attachment = db.session.execute(
                db.select(Attachment).where(Attachment.sha256 == digest)
            ).scalar_one()
            data = uploads.path_for(attachment.stored_name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest
            assert signing_files().key.read_bytes() == key
            db.session.remove()
    finally:
        with restored.app_context():
            db.engine.dispose()
        if restored.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            source = make_url(restored.config["SQLALCHEMY_DATABASE_URI"])
            subprocess.run(
                ["psql", "-h", source.host, "-p", str(source.port or 5432), "-U",
                 source.username, "-q", "-c",
                 f"DROP DATABASE IF EXISTS {source.database} WITH (FORCE)", "postgres"],
                check=False,
            )  # fmt: skip


def test_verify_finds_a_changed_or_missing_part(app, demo, tmp_path):
    with app.app_context():
        folder = backups.create(tmp_path)
        db.session.remove()
    assert backups.verify(folder).ok
    with open(folder / "files.tar", "r+b") as fh:
        fh.seek(0, os.SEEK_END)
        fh.write(b"\0")  # one byte more: the tar still opens, its checksum does not match
    (folder / "signing.tar").unlink()
    problems = backups.verify(folder).problems
    assert any("files.tar has changed" in p for p in problems)
    assert any("signing.tar is missing" in p for p in problems)
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(folder)])
    assert result.exit_code == 1 and "PROBLEM" in result.output


def test_a_missing_pg_dump_is_said_plainly(app, demo, tmp_path, monkeypatch):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only (the CI run sets DATABASE_URL)")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on it
    result = app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "b")])
    assert result.exit_code == 1 and "apt-get install postgresql-client" in result.output
