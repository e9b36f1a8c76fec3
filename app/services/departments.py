"""Departments as data: `workflows/departments.json` lists them (code, Chinese and English
name); `load_departments` brings the `department` table in step with such a file.

A department's `code` is its identity (BPMN lanes and staff accounts refer to it), so loading
updates by code and never deletes: a department missing from the file is only reported, as
staff, tasks and past cases still point at it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from app.extensions import db
from app.models import Department

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
NAME_MAX = 128  # the columns' length


class DepartmentsFileError(ValueError):
    """The departments file cannot be used; `problems` says where and why."""

    def __init__(self, path, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


@dataclass
class DepartmentChanges:
    """What a load did, by department code, in the file's order."""

    listed: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)  # in the table, not in the file

    @property
    def changed(self) -> bool:
        """Whether the load created or renamed anything."""
        return bool(self.created or self.renamed)


def shipped_departments_file() -> Path:
    """`departments.json` next to `services.json` in the app's WORKFLOWS_DIR."""
    return Path(current_app.config["WORKFLOWS_DIR"]) / "departments.json"


def read_departments_file(path: str | Path) -> list[dict]:
    """The entries of a departments file, each {code, name: {zh, en}}; DepartmentsFileError
    listing every problem (bad JSON, bad or repeated codes, missing or overlong names)."""
    try:
        with open(path, encoding="utf-8") as fh:
            entries = json.load(fh)["departments"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DepartmentsFileError(path, [f"not a departments file ({exc!r})"]) from None
    if not isinstance(entries, list):
        raise DepartmentsFileError(path, ["'departments' must be a list"])
    problems, seen = [], set()
    for position, entry in enumerate(entries, 1):
        code = entry.get("code") if isinstance(entry, dict) else None
        where = f"department #{position} ({code!r})"
        if not isinstance(code, str) or not CODE_RE.match(code):
            problems.append(f"{where}: the code must be lower-case letters, digits and _")
        elif code in seen:
            problems.append(f"{where}: the code appears twice")
        seen.add(code)
        name = entry.get("name") if isinstance(entry, dict) else None
        for lang in ("zh", "en"):
            text = name.get(lang) if isinstance(name, dict) else None
            if not isinstance(text, str) or not text.strip() or len(text) > NAME_MAX:
                problems.append(f"{where}: name.{lang} must be 1–{NAME_MAX} characters")
    if problems:
        raise DepartmentsFileError(path, problems)
    return entries


def load_departments(path: str | Path | None = None) -> DepartmentChanges:
    """Create or rename departments to match the file (default: the shipped one); returns
    what changed. Flushes, does not commit: the caller decides."""
    entries = read_departments_file(path or shipped_departments_file())
    existing = {d.code: d for d in db.session.execute(db.select(Department)).scalars()}
    changes = DepartmentChanges()
    for entry in entries:
        code, zh, en = entry["code"], entry["name"]["zh"].strip(), entry["name"]["en"].strip()
        changes.listed.append(code)
        dept = existing.get(code)
        if dept is None:
            db.session.add(Department(code=code, name_zh=zh, name_en=en))
            changes.created.append(code)
        elif (dept.name_zh, dept.name_en) != (zh, en):
            dept.name_zh, dept.name_en = zh, en
            changes.renamed.append(code)
    changes.unlisted = sorted(set(existing) - set(changes.listed))
    db.session.flush()
    return changes


def list_departments() -> list[Department]:
    """Every department, in the order they were first loaded."""
    return list(db.session.execute(db.select(Department).order_by(Department.id)).scalars())
