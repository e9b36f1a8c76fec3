"""Staff accounts managed by an administrator (/admin/users): clerks, department leads,
administrators and auditors. Citizens register themselves (`app/services/accounts.py`).

Accounts are deactivated, never deleted: whoever acted on a case stays named on it. A
deactivated account cannot log in, and its open sessions end (`session_version` goes up).
A password set by an administrator — a new account's first one, or a reset — is temporary:
`must_change_password` sends the user to the change-password form until they pick their own.
A CSV import creates every row or none, with a per-row report of what is wrong.
Every change is an `admin_change` record in the audit trail (never with the password).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import events
from app.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from app.extensions import db
from app.models import Department, Role, User
from app.services.passwords import hash_password, password_problem

USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")
STAFF_ROLES = (Role.CLERK, Role.ADMIN, Role.AUDITOR)
# The role names the forms and the CSV file use: a lead is a clerk with `is_lead`.
ROLE_CHOICES = ("clerk", "lead", "admin", "auditor")
CSV_COLUMNS = ("username", "real_name", "role", "department", "password")
IMPORT_MAX_ROWS = 2000

ROLE_LABELS = {
    "citizen": _l("Citizen"),
    "clerk": _l("Clerk"),
    "lead": _l("Department lead"),
    "admin": _l("Administrator"),
    "auditor": _l("Auditor"),
}
# What each role may do, for the read-only /admin/roles page.
ROLE_RIGHTS = {
    "citizen": (
        _l("Registers themselves; applies for services, corrects and withdraws their cases."),
    ),
    "clerk": (_l("Works the queue of their department: intake, review, correction requests."),),
    "lead": (_l("A clerk who also decides escalated cases and extends time limits."),),
    "admin": (_l("Manages departments, staff, services, processes and running cases."),),
    "auditor": (_l("Reads, searches and exports the audit trail; changes nothing."),),
}


def role_key(user: User) -> str:
    """The user's role as the forms name it (clerk / lead / admin / auditor / citizen)."""
    if user.role == Role.CLERK and user.is_lead:
        return "lead"
    return user.role.value


def list_staff() -> list[User]:
    """Every staff account (not citizens), by user name, with its department loaded."""
    return list(
        db.session.execute(
            db.select(User)
            .where(User.role != Role.CITIZEN)
            .options(db.joinedload(User.department))
            .order_by(User.username)
        ).scalars()
    )


@dataclass
class StaffInput:
    """A staff account as typed in the form or a CSV row."""

    username: str = ""
    real_name: str = ""
    role: str = ""
    department: str = ""  # a department id (form) or code (CSV)
    password: str = ""


def _check(entry: StaffInput, *, new: bool, departments: dict, taken: set) -> dict:
    """Every problem of `entry` (field -> message)."""
    errors: dict = {}
    if new:
        if not USERNAME_RE.match(entry.username):
            errors["username"] = _l(
                "The user name must be 3–64 lower-case letters, digits, '.', '_' or '-', "
                "starting with a letter."
            )
        elif entry.username in taken:
            errors["username"] = _l("This user name is taken.")
        if problem := password_problem(entry.password, (entry.real_name, entry.username)):
            errors["password"] = problem
    if not entry.real_name or len(entry.real_name) > 64:
        errors["real_name"] = _l("Enter the person's name (at most 64 characters).")
    if entry.role not in ROLE_CHOICES:
        errors["role"] = _l("Choose a role: clerk, lead, admin or auditor.")
    dept = departments.get(entry.department) if entry.department else None
    if entry.department and (dept is None or not dept.active):
        errors["department"] = _l("Choose an active department.")
    elif entry.role in ("clerk", "lead") and dept is None:
        errors["department"] = _l("A clerk belongs to a department: choose one.")
    return errors


def _apply(user: User, entry: StaffInput, departments: dict) -> None:
    user.real_name = entry.real_name
    user.role = Role.CLERK if entry.role == "lead" else Role(entry.role)
    user.is_lead = entry.role == "lead"
    user.department = departments.get(entry.department) if entry.department else None


def _departments_by_id() -> dict:
    return {str(d.id): d for d in db.session.execute(db.select(Department)).scalars()}


def _taken_usernames(names) -> set:
    if not names:
        return set()
    return set(
        db.session.execute(db.select(User.username).where(User.username.in_(names))).scalars()
    )


def _snapshot(user: User) -> dict:
    return {
        "real_name": user.real_name,
        "role": role_key(user),
        "department": user.department.code if user.department else None,
    }


@uow.use_case
def create_user(admin: User, entry: StaffInput) -> User:
    """A new staff account with a temporary password (changed at the first log-in)."""
    entry = _clean(entry)
    departments = _departments_by_id()
    errors = _check(
        entry, new=True, departments=departments, taken=_taken_usernames([entry.username])
    )
    if errors:
        raise ValidationFailed(errors)
    user = _new_user(entry, departments)
    events.audited(
        "admin_change",
        actor=admin,
        object_type="user",
        object_id=user.id,
        details={"change": "create", "username": user.username, **_snapshot(user)},
    )
    return user


def _new_user(entry: StaffInput, departments: dict) -> User:
    user = User(
        username=entry.username,
        password_hash=hash_password(entry.password),
        must_change_password=True,
        active=True,
    )
    _apply(user, entry, departments)
    db.session.add(user)
    db.session.flush()
    return user


@uow.use_case
def update_user(admin: User, user_id: int, entry: StaffInput) -> User:
    """Change a staff account's name, role and department."""
    user = get_staff(user_id)
    entry = _clean(entry)
    departments = _departments_by_id()
    errors = _check(entry, new=False, departments=departments, taken=set())
    if user.id == admin.id and entry.role != "admin":
        errors["role"] = _l("You cannot take away your own administrator role.")
    if errors:
        raise ValidationFailed(errors)
    before = _snapshot(user)
    _apply(user, entry, departments)
    after = _snapshot(user)
    if before != after:
        events.audited(
            "admin_change",
            actor=admin,
            object_type="user",
            object_id=user.id,
            details={"change": "update", "before": before, "after": after},
        )
    return user


@uow.use_case
def set_active(admin: User, user_id: int, active: bool) -> User:
    """Deactivate a staff account (it cannot log in; its sessions end) or reactivate it."""
    user = get_staff(user_id)
    if user.id == admin.id and not active:
        raise Conflict("own_account", _l("You cannot deactivate your own account."))
    if user.active == bool(active):
        return user
    user.active = bool(active)
    if not active:
        user.session_version = (user.session_version or 0) + 1
    events.audited(
        "admin_change",
        actor=admin,
        object_type="user",
        object_id=user.id,
        details={"change": "activate" if active else "deactivate", "username": user.username},
    )
    return user


@uow.use_case
def reset_password(admin: User, user_id: int, temporary: str) -> User:
    """Set a temporary password: the user's sessions end and, at the next log-in, they must
    choose their own before anything else."""
    user = get_staff(user_id)
    if problem := password_problem(temporary, (user.real_name, user.username)):
        raise ValidationFailed({"password": problem})
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.session_version = (user.session_version or 0) + 1
    events.audited(
        "admin_change",
        actor=admin,
        object_type="user",
        object_id=user.id,
        details={"change": "reset_password", "username": user.username},
    )
    return user


def get_staff(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role == Role.CITIZEN:
        raise NotFound("user_not_found", _l("No such staff account."))
    return user


def _clean(entry: StaffInput) -> StaffInput:
    return StaffInput(
        username=(entry.username or "").strip().lower(),
        real_name=" ".join((entry.real_name or "").split()),
        role=(entry.role or "").strip().lower(),
        department=(entry.department or "").strip(),
        password=entry.password or "",
    )


# --- CSV import ---------------------------------------------------------------------------------


class ImportRefused(DomainError):
    """The file was not imported; `rows` lists (line number, {field: message}) per bad row."""

    def __init__(self, rows: list[tuple[int, dict]], message=None):
        super().__init__(
            "import_refused",
            message or _l("Nothing was imported: correct the rows listed below and try again."),
        )
        self.rows = rows


@uow.use_case
def import_csv(admin: User, data: bytes) -> list[User]:
    """Create the staff accounts of a CSV file (columns: username, real_name, role,
    department code, temporary password). Every row or none: ImportRefused lists each bad
    row with its line number."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([(0, {"file": _l("The file is not UTF-8 text.")})]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ImportRefused(
            [(1, {"file": _l("Missing columns: %(cols)s.", cols=", ".join(missing))})]
        )
    reader.fieldnames = header
    entries = []
    for line, row in enumerate(reader, start=2):
        if line - 1 > IMPORT_MAX_ROWS:
            raise ImportRefused(
                [(line, {"file": _l("At most %(n)d rows per file.", n=IMPORT_MAX_ROWS)})]
            )
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a blank line
        entries.append((line, _clean(StaffInput(**{c: row.get(c) or "" for c in CSV_COLUMNS}))))
    if not entries:
        raise ImportRefused([(1, {"file": _l("The file has no rows.")})])
    by_code = {d.code: d for d in db.session.execute(db.select(Department)).scalars()}
    taken = _taken_usernames([e.username for _line, e in entries])
    bad, seen = [], set()
    for line, entry in entries:
        errors = _check(entry, new=True, departments=by_code, taken=taken)
        if entry.username in seen and "username" not in errors:
            errors["username"] = _l("This user name appears twice in the file.")
        seen.add(entry.username)
        if errors:
            bad.append((line, errors))
    if bad:
        raise ImportRefused(bad)
    users = [_new_user(entry, by_code) for _line, entry in entries]
    events.audited(
        "admin_change",
        actor=admin,
        object_type="user",
        details={"change": "import", "usernames": [u.username for u in users]},
    )
    return users
