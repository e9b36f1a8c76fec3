"""Departments as data: `workflows/departments.json` lists them (code, Chinese and English
name); `load_departments` brings the `department` table in step with such a file.

A department's `code` is its identity (BPMN lanes and staff accounts refer to it), so loading
updates by code and never deletes: a department missing from the file is only reported, as
staff, tasks and past cases still point at it.

The file is the seed; administrators then edit the table in the browser (`create_department`,
`update_department`: rename, move under a bureau; `set_department_active`), each change
audited. Departments are deactivated, never deleted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import events
from app.domain.errors import NotFound, ValidationFailed
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


# --- editing the table in /admin/departments ---------------------------------------------------


def department_tree(include_inactive: bool = True) -> list[tuple[Department, int]]:
    """Every department in tree order (a bureau, then its divisions), each with its depth."""
    rows = list_departments()
    children: dict = {}
    for dept in rows:
        if include_inactive or dept.active:
            children.setdefault(dept.parent_id, []).append(dept)
    known = {d.id for d in rows}
    out: list[tuple[Department, int]] = []

    def walk(parent_id, depth):
        for dept in children.get(parent_id, []):
            out.append((dept, depth))
            walk(dept.id, depth + 1)

    walk(None, 0)
    for dept in rows:  # a parent outside the listing (inactive, filtered out): show at the top
        if dept.parent_id is not None and dept.parent_id not in known:
            out.append((dept, 0))
    return out


def _names_and_parent(name_zh: str, name_en: str, parent_id, errors: dict, own_id=None):
    zh, en = (name_zh or "").strip(), (name_en or "").strip()
    if not zh or len(zh) > NAME_MAX:
        errors["name_zh"] = _l("Enter a Chinese name of 1–%(n)d characters.", n=NAME_MAX)
    if not en or len(en) > NAME_MAX:
        errors["name_en"] = _l("Enter an English name of 1–%(n)d characters.", n=NAME_MAX)
    parent = None
    if parent_id not in (None, "", 0, "0"):
        try:
            parent = db.session.get(Department, int(parent_id))
        except (TypeError, ValueError):
            parent = None
        if parent is None:
            errors["parent_id"] = _l("Choose a department from the list.")
        elif own_id is not None and _is_within(parent, own_id):
            errors["parent_id"] = _l("A department cannot be placed under itself or its divisions.")
    return zh, en, parent


def _is_within(dept: Department, ancestor_id: int) -> bool:
    """Whether `dept` is `ancestor_id` or one of its divisions (at any depth)."""
    seen = set()
    while dept is not None and dept.id not in seen:
        if dept.id == ancestor_id:
            return True
        seen.add(dept.id)
        dept = dept.parent
    return False


@uow.use_case
def create_department(admin, code: str, name_zh: str, name_en: str, parent_id=None) -> Department:
    """A new department (a division when `parent_id` names its bureau); audited."""
    errors: dict = {}
    code = (code or "").strip()
    if not CODE_RE.match(code):
        errors["code"] = _l(
            "The code must be lower-case letters, digits and _ (starting with a letter)."
        )
    elif db.session.execute(db.select(Department.id).where(Department.code == code)).first():
        errors["code"] = _l("A department with this code exists already.")
    zh, en, parent = _names_and_parent(name_zh, name_en, parent_id, errors)
    if errors:
        raise ValidationFailed(errors)
    dept = Department(code=code, name_zh=zh, name_en=en, parent=parent, active=True)
    db.session.add(dept)
    db.session.flush()
    events.audited(
        "admin_change",
        actor=admin,
        object_type="department",
        object_id=code,
        details={"change": "create", "name_zh": zh, "name_en": en, "parent": _code(parent)},
    )
    return dept


@uow.use_case
def update_department(admin, department_id: int, name_zh: str, name_en: str, parent_id=None):
    """Rename a department and/or move it under another one (never under itself); audited."""
    dept = get_department(department_id)
    errors: dict = {}
    zh, en, parent = _names_and_parent(name_zh, name_en, parent_id, errors, own_id=dept.id)
    if errors:
        raise ValidationFailed(errors)
    before = {"name_zh": dept.name_zh, "name_en": dept.name_en, "parent": _code(dept.parent)}
    after = {"name_zh": zh, "name_en": en, "parent": _code(parent)}
    if before == after:
        return dept
    dept.name_zh, dept.name_en, dept.parent = zh, en, parent
    events.audited(
        "admin_change",
        actor=admin,
        object_type="department",
        object_id=dept.code,
        details={"change": "update", "before": before, "after": after},
    )
    return dept


@uow.use_case
def set_department_active(admin, department_id: int, active: bool) -> Department:
    """Deactivate a department (it is kept: staff, tasks and past cases point at it) or
    activate it again; audited."""
    dept = get_department(department_id)
    if dept.active == bool(active):
        return dept
    dept.active = bool(active)
    events.audited(
        "admin_change",
        actor=admin,
        object_type="department",
        object_id=dept.code,
        details={"change": "activate" if active else "deactivate"},
    )
    return dept


def kept(department_id: int) -> Department | None:
    """The department, attached to the session from the copy kept per process
    (`uow.per_process_row`): a staff member's department is named in the header of every
    page they open, and a many-to-one relationship finds it in the session without a
    SELECT."""
    return uow.per_process_row(
        Department, ("id", department_id), lambda: db.session.get(Department, department_id)
    )


def get_department(department_id) -> Department:
    dept = db.session.get(Department, department_id)
    if dept is None:
        raise NotFound("department_not_found", _l("No such department."))
    return dept


def _code(dept: Department | None) -> str | None:
    return dept.code if dept is not None else None
