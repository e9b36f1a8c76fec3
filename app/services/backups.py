"""Backups of everything an instance holds, and checking one (`flask backup create|verify`).

A backup is a folder `onewindow-<UTC time>/`, readable by its owner only, with:

- `database.sqlite3` (SQLite's online backup: a consistent copy while the app runs) or
  `database.pgdump` (PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore`);
- `files.tar`: `UPLOAD_DIR` (uploads, previews, notices, certificates);
- `signing.tar`: the agency's signing key and certificates, and the demo CA's key if there is
  one (by their file names): **private keys**;
- `secret_key`: the instance's session secret, when the instance keeps one;
- `manifest.json`: when, the schema revision, a few counts and each part's sha256.

The database is copied first and the files after it: a file uploaded meanwhile is in the
backup without a row (harmless), while the other order could leave a row without its file.
`verify` recomputes every checksum, opens the database copy (SQLite: the revision and the
counts; PostgreSQL: `pg_restore --list`) and reads every archive's member list. Restoring is
a few commands, written in the README.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import func, make_url, text

from app.extensions import db
from app.models import Application, Attachment, ECertificate, utcnow
from app.services.signing import signing_files

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_PART, PG_PART = "database.sqlite3", "database.pgdump"
COUNTED = {"applications": Application, "attachments": Attachment, "certificates": ECertificate}


class BackupFailed(RuntimeError):
    """A backup could not be made (a tool missing, a disk full); the message says which."""


@dataclass(frozen=True)
class Verification:
    """What `verify` found: the manifest, and every problem (none: the backup is sound)."""

    manifest: dict
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def create(dest: Path) -> Path:
    """Write a backup folder under `dest` and return it."""
    target = Path(dest) / f"onewindow-{utcnow():%Y%m%dT%H%M%SZ}"
    target.mkdir(parents=True, mode=0o700)
    revision, counts = _state()
    dialect = db.engine.dialect.name
    parts = [_copy_sqlite(target) if dialect == "sqlite" else _dump_postgresql(target)]
    parts.append(_archive(_contents(Path(current_app.config["UPLOAD_DIR"])), target / "files.tar"))
    keys = signing_files()
    parts.append(_archive([keys.key, keys.cert, keys.ca, keys.ca_key], target / "signing.tar"))
    secret = Path(current_app.instance_path) / "secret_key"
    if secret.is_file():
        shutil.copyfile(secret, target / "secret_key")
        parts.append(target / "secret_key")
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(),
        "database": dialect,
        "revision": revision,
        "counts": counts,
        "parts": {p.name: {"sha256": _sha256(p), "bytes": p.stat().st_size} for p in parts},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    for path in target.iterdir():
        path.chmod(0o600)
    return target


def verify(folder: Path) -> Verification:
    """Check a backup folder: its manifest, every part's checksum, and that the database
    copy and the archives can be read."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        return Verification({}, [f"no readable {MANIFEST} in {folder}: {exc}"])
    problems = []
    for name, expected in manifest.get("parts", {}).items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif _sha256(path) != expected["sha256"]:
            problems.append(f"{name} has changed since the backup (checksum differs)")
        elif name.endswith(".tar"):
            problems.extend(_tar_problems(path))
        elif name == SQLITE_PART:
            problems.extend(_sqlite_problems(path, manifest))
        elif name == PG_PART:
            problems.extend(_pgdump_problems(path))
    if not {SQLITE_PART, PG_PART} & set(manifest.get("parts", {})):
        problems.append("the backup holds no database")
    return Verification(manifest, problems)


def _state() -> tuple[str | None, dict[str, int]]:
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    counts = {
        name: db.session.execute(db.select(func.count()).select_from(model)).scalar_one()
        for name, model in COUNTED.items()
    }
    db.session.rollback()
    return revision, counts


def _copy_sqlite(target: Path) -> Path:
    out = target / SQLITE_PART
    source = sqlite3.connect(make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database)
    copy = sqlite3.connect(out)
    try:
        with copy:
            source.backup(copy)  # page by page, consistent, while others keep writing
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        copy.close()
        source.close()
    return out


def _dump_postgresql(target: Path) -> Path:
    out = target / PG_PART
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    args = ["pg_dump", "--format=custom", "--no-owner", f"--file={out}"]
    args += [f"--host={url.host or 'localhost'}", f"--port={url.port or 5432}"]
    args += [f"--username={url.username}"] if url.username else []
    args.append(url.database)
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=6 * 3600)
    except FileNotFoundError as exc:
        raise BackupFailed(
            "pg_dump is not installed: apt-get install postgresql-client (the same major "
            "version as the server)"
        ) from exc
    if done.returncode:
        raise BackupFailed(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    return out


def _archive(paths: list[Path], out: Path) -> Path:
    """A tar of those of `paths` that exist (files or folders), each under its own name."""
    with tarfile.open(out, "w") as tar:
        for path in paths:
            if path.exists():
                tar.add(path, arcname=path.name)
    return out


def _contents(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tar_problems(path: Path) -> list[str]:
    try:
        with tarfile.open(path) as tar:
            names = tar.getnames()
    except (OSError, tarfile.TarError) as exc:
        return [f"{path.name} cannot be read: {exc}"]
    unsafe = [n for n in names if n.startswith("/") or ".." in Path(n).parts]
    return [f"{path.name} has paths outside its folder: {unsafe[:3]}"] if unsafe else []


def _sqlite_problems(path: Path, manifest: dict) -> list[str]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (integrity,) = conn.execute("PRAGMA quick_check").fetchone()
            (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            counts = {
                name: conn.execute(f"SELECT count(*) FROM {model.__tablename__}").fetchone()[0]
                for name, model in COUNTED.items()
            }
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return [f"{path.name} cannot be read: {exc}"]
    problems = [] if integrity == "ok" else [f"{path.name} fails SQLite's check: {integrity}"]
    if revision != manifest.get("revision"):
        problems.append(f"{path.name} is at revision {revision}, the manifest says otherwise")
    if counts != manifest.get("counts"):
        problems.append(f"{path.name} holds {counts}, the manifest says {manifest.get('counts')}")
    return problems


def _pgdump_problems(path: Path) -> list[str]:
    try:
        done = subprocess.run(
            ["pg_restore", "--list", str(path)], capture_output=True, text=True, timeout=600
        )
    except FileNotFoundError:
        return ["pg_restore is not installed: cannot check the database dump"]
    return [f"{path.name} cannot be read: {done.stderr.strip()[-300:]}"] if done.returncode else []
