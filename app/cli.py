"""Command-line tools: `flask demo load`, `flask departments load`, `flask workflows deploy`,
`flask jobs …`, `flask audit verify`, `flask retention run`, `flask certificates init-ca|verify`,
`flask api system|token …`, `flask demo volume`, `flask analytics rebuild`,
`flask backup create|verify`, `flask serve`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app import uow

demo_cli = AppGroup("demo", help="Demo data.")
departments_cli = AppGroup("departments", help="Departments (from a JSON file).")
workflows_cli = AppGroup("workflows", help="Deploy and inspect BPMN processes.")
jobs_cli = AppGroup("jobs", help="Background jobs.")
holidays_cli = AppGroup("holidays", help="The working-day calendar.")
audit_cli = AppGroup("audit", help="The audit trail.")
retention_cli = AppGroup("retention", help="Anonymising closed cases past their retention.")
analytics_cli = AppGroup("analytics", help="The analytics rollups behind the performance pages.")
certificates_cli = AppGroup("certificates", help="E-certificates: the signing CA, checking a PDF.")
api_cli = AppGroup("api", help="The API for other systems: systems and their tokens.")
api_system_cli = AppGroup("system", help="Systems allowed to call the API.")
api_token_cli = AppGroup("token", help="API tokens (shown once, kept hashed).")
backup_cli = AppGroup("backup", help="Backups: the database, the files and the signing keys.")
api_cli.add_command(api_system_cli)
api_cli.add_command(api_token_cli)


@demo_cli.command("load")
def demo_load():
    """Load departments, demo users and the shipped services (idempotent)."""
    from app.services.demo import load_demo_data

    out = load_demo_data()
    for process_id, version, created in out["deployed"]:
        click.echo(f"process {process_id}: version {version}" + (" (new)" if created else ""))
    click.echo("Demo logins (the password is Demo12345 for all of them):")
    for login, password, what in out["logins"]:
        click.echo(f"  {login:<28} {password:<12} {what}")


@demo_cli.command("volume")
@click.option("--cases", type=click.IntRange(1, 10_000_000), required=True)
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True)
def demo_volume(cases, days):
    """Realistic history in bulk: a few cases through the services, cloned to CASES spread
    over the last DAYS days, then the analytics rollups rebuilt."""
    from app.jobs.queue import runner_for
    from app.services.volume import generate

    runner = runner_for(current_app._get_current_object())
    counts = generate(cases, days=days, wait_jobs=lambda: runner.wait_idle(120))
    for key, value in counts.items():
        click.echo(f"{key}: {value}")


@analytics_cli.command("rebuild")
def analytics_rebuild():
    """Recompute the analytics rollups from the history of cases, tasks and ratings."""
    from app.services.rollup_rebuild import rebuild

    for table, rows in rebuild().items():
        click.echo(f"{table}: {rows} row(s)")


@departments_cli.command("load")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
def departments_load(file):
    """Create or rename departments to match FILE (default: workflows/departments.json)."""
    from app.services.departments import DepartmentsFileError, load_departments

    try:
        with uow.unit_of_work():
            changes = load_departments(file)
    except DepartmentsFileError as exc:
        for problem in exc.problems:
            click.echo(f"error: {exc.path}: {problem}", err=True)
        sys.exit(1)
    for what, codes in (("created", changes.created), ("renamed", changes.renamed)):
        for code in codes:
            click.echo(f"{code}: {what}")
    if not changes.changed:
        click.echo(f"{len(changes.listed)} department(s), all unchanged")
    for code in changes.unlisted:
        click.echo(f"{code}: not in the file, left as it is (staff and cases refer to it)")


@holidays_cli.command("import")
@click.argument("year", type=int)
def holidays_import(year):
    """Import the State Council's holiday arrangement for YEAR from chinese-calendar."""
    from app.domain.errors import ValidationFailed
    from app.services.holidays import import_official

    try:
        count = import_official(year)
    except ValidationFailed as exc:
        click.echo(f"error: {exc.summary()}", err=True)
        sys.exit(1)
    click.echo(f"{year}: {count} days imported")


@workflows_cli.command("deploy")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--process-id", default=None, help="Process id when deploying given files.")
def workflows_deploy(files, process_id):
    """Deploy the shipped services' processes, or the given BPMN/DMN FILES as one process."""
    from app.services.deployment import deploy_files, deploy_shipped
    from app.workflow.engine import DeployError

    try:
        with uow.unit_of_work():  # the command is the use case: all files or none
            if files:
                payload = {Path(f).name: Path(f).read_bytes() for f in files}
                version, change = deploy_files(process_id, payload)
                results = [(version.process_id, version.version, change)]
            else:
                results = deploy_shipped()
    except DeployError as exc:
        for issue in exc.issues:
            click.echo(
                f"{issue.severity}: {issue.element_id or '-'}: {issue.code}: {issue.message}",
                err=True,
            )
        sys.exit(1)
    for pid, version, change in results:
        said = {"created": "deployed", "rollback": "made current again (rollback)"}
        click.echo(
            f"{pid}: version {version} " + said.get(getattr(change, "kind", ""), "unchanged")
        )


ml_cli = AppGroup("ml", help="Auto-review model feedback.")


@ml_cli.command("check")
def ml_check():
    """Check the document-type registry against the extractors, checks, labels and the
    committed classifier (the Celery worker runs the same check when it starts)."""
    from ml.doctype_check import RegistryIncomplete, check_registry

    try:
        check_registry()
    except RegistryIncomplete as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    click.echo("document types: complete")


@ml_cli.command("export-feedback")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def ml_export_feedback(path):
    """Write clerks' document-type corrections as JSONL for `python -m ml train --feedback`."""
    import json

    from app.services.reviews import feedback_records

    records = feedback_records()
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    click.echo(f"wrote {len(records)} correction(s) to {path}")


@jobs_cli.command("recover")
def jobs_recover():
    """Hand out again jobs whose worker died."""
    from app.jobs.queue import runner_for

    click.echo(f"re-dispatched {runner_for(current_app).recover()} job(s)")


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def serve(host, port):
    """Serve the app with waitress, with the in-process scheduler (embedded set-up)."""
    from app.serve import run

    run(current_app._get_current_object(), host, port)


@audit_cli.command("verify")
def audit_verify():
    """Walk the audit trail's hash chain from the first record; say OK, or name the first
    altered, deleted or inserted record and exit with status 1."""
    from app.services.audit import verify

    report = verify()
    if not report.ok:
        click.echo(f"BROKEN after {report.checked} good record(s): {report.problem}", err=True)
        sys.exit(1)
    click.echo(f"OK: {report.checked} record(s), the chain is unbroken")


@retention_cli.command("run")
def retention_run():
    """Anonymise now every closed case past its service's retention (the scheduler does
    this on its own; this is for a first run or a check)."""
    from app.services.retention import anonymise_expired

    click.echo(f"anonymised {anonymise_expired()} case(s)")


@certificates_cli.command("init-ca")
@click.option("--force", is_flag=True, help="Replace existing files.")
@click.option("--agency", default=None, help="The agency's name in its certificate.")
def certificates_init_ca(force, agency):
    """Create a local demo CA and an agency signing certificate (SIGNING_DIR, default
    instance/signing), unless they exist."""
    from app.services import signing

    before = signing.signing_files().missing()
    files = signing.init_demo_ca(agency or signing.DEMO_AGENCY_NAME, force=force)
    state = "created" if (before or force) else "already there (use --force to replace)"
    click.echo(f"signing key {files.key}, certificate {files.cert}, CA {files.ca}: {state}")


@certificates_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def certificates_verify(file):
    """Check a certificate PDF: its signature against the configured CA, and the register.
    Exits 0 only for an unchanged PDF signed by the agency, in the register and valid."""
    from app.services import ecertificates

    check = ecertificates.check_upload(Path(file).read_bytes())
    sig = check.signature
    yes = {True: "yes", False: "no"}
    click.echo(f"signed: {yes[sig.signed]}")
    if sig.problem:
        click.echo(f"problem: {sig.problem}")
    click.echo(f"signature intact: {yes[sig.intact]}")
    click.echo(f"nothing added after signing: {yes[sig.whole_file]}")
    click.echo(f"signed by the agency (trusted CA): {yes[sig.trusted]}  {sig.signer or ''}")
    cert = check.certificate
    if cert is None:
        click.echo("in the register: no")
    else:
        click.echo(
            f"in the register: {cert.number} ("
            + ("this very file" if check.same_file else "a different file bears its number")
            + ")"
        )
        click.echo(f"status: {check.status}")
    sys.exit(0 if check.genuine and check.status == "valid" else 1)


def _refused(exc) -> None:
    errors = getattr(exc, "errors", None)
    for message in errors.values() if errors else (exc.message,):
        click.echo(f"error: {message}", err=True)
    sys.exit(1)


@api_system_cli.command("create")
@click.argument("name")
@click.option("--description", default="", help="What the system is.")
def api_system_create(name, description):
    """Register a system NAME that may be given API tokens."""
    from app.domain.errors import DomainError
    from app.services import api_tokens

    try:
        client = api_tokens.create_client(name, description)
    except DomainError as exc:
        _refused(exc)
    click.echo(f"system {client.name} registered (id {client.id})")


@api_token_cli.command("create")
@click.option("--system", "system", required=True, help="The system's name or id.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help="certificates:verify, cases:read, tasks:read:<department>, webhooks:manage",
)
@click.option("--days", default=365, show_default=True, help="Days until it expires.")
def api_token_create(system, scopes, days):
    """Create a token for a system and print it (this once: only its hash is kept)."""
    from app.domain.errors import DomainError
    from app.services import api_tokens

    try:
        token, raw = api_tokens.create_token(system, scopes, days)
    except DomainError as exc:
        _refused(exc)
    click.echo(
        f"token {token.prefix}… for {token.client.name}, scopes "
        f"{', '.join(token.scopes)}, expires {token.expires_at:%Y-%m-%d %H:%M} UTC"
    )
    click.echo(raw)


@api_token_cli.command("revoke")
@click.argument("token")
def api_token_revoke(token):
    """Revoke a token, given by its prefix (ow_xxxxxxxx) or id."""
    from app.domain.errors import DomainError
    from app.services import api_tokens

    try:
        revoked = api_tokens.revoke_token(token)
    except DomainError as exc:
        _refused(exc)
    click.echo(f"token {revoked.prefix} revoked")


@backup_cli.command("create")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def backup_create(dest):
    """Write a backup folder (database, files, signing keys, manifest) under DEST."""
    from app.services import backups

    try:
        folder = backups.create(dest)
    except backups.BackupFailed as exc:
        click.echo(f"backup failed: {exc}", err=True)
        sys.exit(1)
    report = backups.verify(folder)
    if not report.ok:
        click.echo(f"backup written to {folder} but it does not verify:", err=True)
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    counts = ", ".join(f"{n} {k}" for k, n in report.manifest["counts"].items())
    click.echo(f"backup written to {folder} ({counts}); it holds private keys: keep it safe")


@backup_cli.command("verify")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def backup_verify(folder):
    """Check a backup folder: checksums, the database copy, the archives."""
    from app.services import backups

    report = backups.verify(folder)
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if not report.ok:
        sys.exit(1)
    click.echo(
        f"OK: {folder} (revision {report.manifest['revision']}, {report.manifest['created_at']})"
    )


def register_cli(app) -> None:
    """Attach the command groups to `app`."""
    groups = (demo_cli, departments_cli, holidays_cli, workflows_cli, jobs_cli, ml_cli)
    for group in (
        *groups,
        audit_cli,
        retention_cli,
        certificates_cli,
        api_cli,
        analytics_cli,
        backup_cli,
        serve,
    ):
        app.cli.add_command(group)
