"""The systemd units in deploy/systemd/ start what the project ships: systemd itself accepts
them (`systemd-analyze verify`, every key known, every command executable) with the paths
pointed at this checkout, and each names an entry point, queue, command and setting that
exist."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from configparser import ConfigParser
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.config import from_environment
from app.jobs.celery_runner import queue_name

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
INSTALLED_AT = "/opt/onewindow"
ENV_FILE = "/etc/onewindow/onewindow.env"


def _units() -> dict[str, ConfigParser]:
    out = {}
    for path in sorted(UNITS.glob("onewindow*.service")) + sorted(UNITS.glob("*.timer")):
        parser = ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read(path)
        out[path.name] = parser
    return out


def _exec(unit: ConfigParser) -> list[str]:
    return unit["Service"]["ExecStart"].split()


def test_systemd_accepts_every_unit(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    venv = str(Path(sys.executable).parent.parent)
    for path in [*UNITS.glob("*.service"), *UNITS.glob("*.timer")]:
        text = path.read_text().replace(f"{INSTALLED_AT}/.venv", venv)
        text = text.replace(INSTALLED_AT, str(ROOT)).replace(
            ENV_FILE, str(UNITS / "onewindow.env.example")
        )
        text = text.replace("User=onewindow", "User=root").replace("Group=onewindow", "Group=root")
        (tmp_path / path.name).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_every_unit_starts_a_shipped_entry_point():
    units = _units()
    assert {"onewindow-web.service", "onewindow-worker.service", "onewindow-beat.service",
            "onewindow-heavy-worker.service", "onewindow-backup.service",
            "onewindow-backup.timer"} <= set(units)  # fmt: skip
    for name, unit in units.items():
        if "Service" not in unit:
            continue
        service = unit["Service"]
        assert (
            service["WorkingDirectory"] == INSTALLED_AT and service["EnvironmentFile"] == ENV_FILE
        )
        program = _exec(unit)[0]
        assert program.startswith(f"{INSTALLED_AT}/.venv/bin/"), name
        assert (Path(sys.executable).parent / Path(program).name).exists(), program
    web = _exec(units["onewindow-web.service"])
    assert (ROOT / web[web.index("-c") + 1]).is_file()
    for name in (
        "onewindow-worker.service",
        "onewindow-heavy-worker.service",
        "onewindow-beat.service",
    ):
        args = _exec(units[name])
        assert importlib.util.find_spec(args[args.index("-A") + 1]) is not None
    shipped = SimpleNamespace(config={})  # CELERY_QUEUE unset, as the env example leaves it
    default = _exec(units["onewindow-worker.service"])
    heavy = _exec(units["onewindow-heavy-worker.service"])
    assert default[default.index("-Q") + 1] == queue_name(shipped, "default")
    assert heavy[heavy.index("-Q") + 1] == queue_name(shipped, "heavy")


def test_the_backup_unit_runs_the_backup_command_where_it_may_write():
    from app.cli import backup_cli

    unit = _units()["onewindow-backup.service"]["Service"]
    args = _exec(_units()["onewindow-backup.service"])
    assert args[args.index("backup") :][:2] == ["backup", "create"]
    assert args[-1] in unit["ReadWritePaths"].split()
    assert "create" in backup_cli.commands


def test_the_example_environment_names_only_settings_the_app_reads(monkeypatch):
    lines = (UNITS / "onewindow.env.example").read_text().splitlines()
    settings = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    read = from_environment()
    gunicorn_reads = {"BIND", "WEB_CONCURRENCY", "WEB_THREADS", "ACCESS_LOG"}
    unread = {k for k in settings if k not in gunicorn_reads} - set(read) - {"DATABASE_URL"}
    assert not unread, f"settings nothing reads: {unread}"
    assert read["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
