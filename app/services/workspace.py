"""The clerks' workspace queue: tabs with counts, filters, sorting, pages, saved filters.

A clerk sees the tasks of their own department, except the ones reserved for the lead
(`candidate_group = "lead"`), which only leads see. The tabs:

- **mine**: the tasks the clerk holds (with state "done": the ones they completed);
- **department**: the department's open and taken tasks;
- **all**: everything the clerk may see, finished tasks included.

Filters (service, state, due, applicant name, case number) narrow every tab alike, so the
count beside each tab says how many rows it would show. A page costs a fixed number of SQL
statements whatever its length: one for the counts (each tab's counted up to 1,000), one
for the rows (case, applicant and assignee joined in, the auto-review status of each row's
files alongside), plus the saved filters for the form; the services to filter by are kept
per process.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal, or_
from sqlalchemy.orm import aliased, contains_eager, joinedload, load_only

from app import uow
from app.domain import calendar
from app.domain.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models import (
    Application,
    Attachment,
    HumanTask,
    SavedFilter,
    Service,
    TaskStatus,
    User,
    utcnow,
)
from app.workflow.tasks import LEAD_GROUP

TABS = ("mine", "department", "all")
STATES = ("open", "claimed", "done")
DUE = ("overdue", "soon")
SORTS = ("due", "submitted", "service")
PAGE_SIZE = 50
COUNT_CAP = 1000  # tabs count exactly up to here; beyond, "1000+"
DUE_SOON_WORKING_DAYS = 2
SEARCH_MAX_LENGTH = 64
SAVED_FILTERS_MAX = 30
SAVED_FILTER_NAME_MAX = 64

_LIVE = (TaskStatus.OPEN, TaskStatus.CLAIMED)
# The applicant's and the assignee's accounts in the row queries, aliased once: an alias of
# the user table copies its thirty-odd columns, which cost a page more than its query.
_CITIZEN, _ASSIGNEE = aliased(User, name="citizen"), aliased(User, name="assignee")
_SEEN = (TaskStatus.OPEN, TaskStatus.CLAIMED, TaskStatus.DONE)
_TAB_STATUSES = {"mine": _LIVE, "department": _LIVE, "all": _SEEN}


@dataclass(frozen=True)
class QueueFilter:
    """What the clerk asked the queue for (parsed from the query string; unknown values are
    dropped, so a hand-edited address shows the plain queue rather than an error)."""

    tab: str = "department"
    service: str = ""  # service code
    state: str = ""  # open / claimed / done; empty: the tab's own
    due: str = ""  # overdue / soon
    applicant: str = ""  # applicant's name, or its beginning
    case_number: str = ""  # the case number, or its beginning
    sort: str = "due"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> QueueFilter:
        """Parse a query string (a dict-like of strings)."""

        def pick(name, allowed, default=""):
            value = (args.get(name) or "").strip()
            return value if value in allowed else default

        def text(name):
            return " ".join((args.get(name) or "").split())[:SEARCH_MAX_LENGTH]

        try:
            page = max(1, min(int(args.get("page") or 1), 10_000))
        except ValueError:
            page = 1
        return cls(
            tab=pick("tab", TABS, "department"),
            service=text("service"),
            state=pick("state", STATES),
            due=pick("due", DUE),
            applicant=text("applicant"),
            case_number=text("case_number").upper(),
            sort=pick("sort", SORTS, "due"),
            page=page,
        )

    def args(self, **changes) -> dict:
        """The query-string arguments that give this filter (defaults left out)."""
        values = asdict(replace(self, **changes))
        defaults = asdict(QueueFilter())
        return {k: v for k, v in values.items() if v != defaults[k]}

    def saved_query(self) -> dict:
        """What a saved filter keeps: everything but the page."""
        return self.args(page=1)

    @property
    def narrowed(self) -> bool:
        """Whether any filter beyond the tab and the sort is set."""
        return any((self.service, self.state, self.due, self.applicant, self.case_number))


class QueueRow(NamedTuple):
    """One row of the queue, as the page shows it: columns of the task, its case, the
    applicant and the assignee read in one statement. Plain values, not ORM objects: building
    and tracking four objects a row cost more than the query that reads them."""

    id: int
    status: TaskStatus
    name: str
    due_at: datetime | None
    application_id: int
    case_number: str
    submitted_at: datetime | None
    service_id: int
    applicant_name: str | None  # unmasked: the page masks it
    assignee_name: str | None
    review: str | None  # the auto-review at a glance (`_review_status`)

    @property
    def live(self) -> bool:
        """Whether the task is still to be done (open or taken)."""
        return self.status in _LIVE


@dataclass
class QueuePage:
    """One page of the queue: its rows and the count of every tab."""

    filter: QueueFilter
    tasks: list[QueueRow]
    counts: dict[str, int]
    has_next: bool
    services: tuple[ServiceOption, ...] = ()

    @property
    def total(self) -> int:
        return self.counts[self.filter.tab]

    def count_label(self, tab: str) -> str:
        """A tab's count as shown: exact up to COUNT_CAP, then "1000+"."""
        count = self.counts[tab]
        return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)

    def service_names(self, locale: str) -> dict[int, str]:
        """{service id: its name in `locale`}, for the rows."""
        return {s.id: s.name_en if locale == "en" else s.name_zh for s in self.services}


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ServiceOption(NamedTuple):
    """A service the queue may be filtered by."""

    id: int
    code: str
    name_zh: str
    name_en: str


def services_for_filter() -> tuple[ServiceOption, ...]:
    """The services a queue may be filtered by (id, code and names only: not the guides),
    kept per process (`uow.per_process`): every queue page asks, an administrator rarely
    adds one."""
    return uow.per_process(
        Service,
        "queue_filter_services",
        lambda: tuple(
            ServiceOption(*row)
            for row in db.session.execute(
                db.select(Service.id, Service.code, Service.name_zh, Service.name_en).order_by(
                    Service.code
                )
            )
        ),
    )


def _conditions(
    clerk: User, flt: QueueFilter, services: tuple[ServiceOption, ...]
) -> tuple[list, bool] | None:
    """The WHERE terms every tab shares, and whether they need the case joined in (a filter
    on the case number); None when nothing can match (an unknown service)."""
    terms = [HumanTask.department_id == clerk.department_id]
    if not clerk.is_lead:
        terms.append(
            or_(HumanTask.candidate_group.is_(None), HumanTask.candidate_group != LEAD_GROUP)
        )
    needs_case = False
    if flt.service:
        service_id = next((s.id for s in services if s.code == flt.service), None)
        if service_id is None:
            return None
        terms.append(HumanTask.service_id == service_id)
    if flt.due:
        now = utcnow()
        if flt.due == "overdue":
            terms.append(HumanTask.due_at < now)
        else:
            soon = calendar.add_working_days(now, DUE_SOON_WORKING_DAYS)
            terms.append(and_(HumanTask.due_at >= now, HumanTask.due_at <= soon))
    if flt.case_number:
        terms.append(Application.case_number.like(_escape_like(flt.case_number) + "%", escape="\\"))
        needs_case = True
    if flt.applicant:
        # The task's own copy of its case's applicant (migration 0032): each tab goes from
        # the matching people to their tasks in its own index (`ix_human_task_live_citizen`,
        # `ix_human_task_department_citizen`; "my tasks" tests the applicant carried in
        # `ix_human_task_assignee_live`), however many cases they had before. Through the
        # cases, every case of theirs was read, closed ones included: 20-40 ms of each page
        # at 510,001 cases, and more with each year of history.
        citizens = db.select(User.id).where(
            User.real_name.like(_escape_like(flt.applicant) + "%", escape="\\")
        )
        terms.append(HumanTask.citizen_id.in_(citizens))
    return terms, needs_case


def _tab_condition(clerk: User, tab: str, state: str):
    statuses = (TaskStatus(state),) if state else _TAB_STATUSES[tab]
    status_term = HumanTask.status.in_(statuses)
    if tab == "mine":
        return and_(HumanTask.assignee_id == clerk.id, status_term)
    return status_term


def _order(sort: str) -> tuple:
    return {
        "due": (HumanTask.due_at.asc().nulls_last(), HumanTask.id),
        "submitted": (HumanTask.submitted_at.asc().nulls_last(), HumanTask.id),
        # grouped by service in catalogue order, each soonest due first (an index order)
        "service": (HumanTask.service_id, HumanTask.due_at.asc().nulls_last(), HumanTask.id),
    }[sort]


def queue_page(clerk: User, flt: QueueFilter) -> QueuePage:
    """The page of the queue `flt` asks for, with every tab's count."""
    services = services_for_filter()
    built = _conditions(clerk, flt, services)
    if built is None:
        return QueuePage(flt, [], dict.fromkeys(TABS, 0), False, services)
    terms, needs_case = built
    tab_terms = {tab: _tab_condition(clerk, tab, flt.state) for tab in TABS}

    # Every tab's count in one statement: each counts at most COUNT_CAP + 1 rows, read from
    # that tab's own index, so a department with 100,000 open tasks costs no more than one
    # with a thousand (the page then says "1000+").
    def capped(tab):
        rows = db.select(literal(1)).select_from(HumanTask)
        limited = _in_tab(rows, terms, tab_terms[tab], needs_case)
        if not needs_case and not flt.applicant:
            # In the index's order, so that the index is what is read. Unordered, a
            # department holding a tenth of all tasks was counted by a sequential scan
            # stopping at the 1,001st match: 1 ms from the table's first page, but under
            # load PostgreSQL starts a scan of a large table where another one already is
            # (synchronize_seqscans), and 2 % of the pages took 110-170 ms; in a real
            # table the live tasks are the newest, at its end. The indexes carry the
            # filtered columns (migration 0031), so this reads the index alone. Filtered by
            # applicant or case number, the count starts from the matching people or cases.
            limited = limited.order_by(*_order("due"))
        return (
            db.select(func.count())
            .select_from(limited.limit(COUNT_CAP + 1).subquery())
            .scalar_subquery()
        )

    row = db.session.execute(db.select(*(capped(tab) for tab in TABS))).one()
    counts = dict(zip(TABS, (int(n or 0) for n in row), strict=True))

    rows = db.session.execute(
        _row_columns_query(
            _page_of_ids(tab_terms[flt.tab], terms, flt.sort, needs_case, flt.page),
            flt.sort,
        )
    ).all()
    tasks, has_next = [QueueRow(*row) for row in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE
    return QueuePage(flt, tasks, counts, has_next, services)


def _in_tab(query, terms: list, tab_term, needs_case: bool):
    """`query` (a SELECT from the task table) narrowed to the tab's tasks that match the
    filters, with the case joined when a filter is on it: what a tab counts and pages."""
    if needs_case:
        query = query.join(Application, HumanTask.application_id == Application.id)
    return query.where(*terms, tab_term)


def _page_of_ids(tab_term, terms: list, sort: str, needs_case: bool, page: int):
    """The ids of the tasks on page `page` (and one more, to tell whether a next page
    exists), in the queue's order: the pages before it are skipped in the task indexes
    alone. Joining the case and the people in the same walk joined every skipped row too:
    page 20 read 1,001 cases and applicants for its 51 rows (4.4 ms of 6.7 at 100,000
    open tasks)."""
    return (
        _in_tab(db.select(HumanTask.id), terms, tab_term, needs_case)
        .order_by(*_order(sort))
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )


def _row_columns_query(page_ids, sort: str):
    """The rows of `page_ids` as `QueueRow` columns, in the queue's order: case and
    applicant joined, the assignee outer-joined, the auto-review status of each row's case
    worked out alongside."""
    citizen, assignee = _CITIZEN, _ASSIGNEE
    return (
        db.select(
            HumanTask.id,
            HumanTask.status,
            HumanTask.name,
            HumanTask.due_at,
            HumanTask.application_id,
            Application.case_number,
            Application.submitted_at,
            Application.service_id,
            citizen.real_name,
            assignee.real_name,
            _REVIEW_STATUS,
        )
        .join(HumanTask.application)
        .join(citizen, Application.citizen)
        .outerjoin(assignee, HumanTask.assignee_id == assignee.id)
        .where(HumanTask.id.in_(page_ids.scalar_subquery()))
        .order_by(*_order(sort))
    )


def _rows_query(tab_term, terms: list, sort: str, *citizen_columns: str):
    """The rows of an export (`matching_tasks`), as objects: case and service joined
    (filtered and sorted on), applicant and assignee loaded in the same statement, and only
    the columns a row shows (not the form data, the service guide or password hashes).
    `citizen_columns` adds applicant columns beyond the name."""
    citizen = _CITIZEN
    return (
        db.select(HumanTask)
        .join(HumanTask.application)
        .join(Application.service)
        .join(citizen, Application.citizen)
        .options(
            contains_eager(HumanTask.application).options(
                load_only(
                    Application.case_number,
                    Application.citizen_id,
                    Application.service_id,
                    Application.submitted_at,
                ),
                contains_eager(Application.service).load_only(
                    Service.code, Service.name_zh, Service.name_en
                ),
                contains_eager(Application.citizen.of_type(citizen)).load_only(
                    citizen.real_name, *(getattr(citizen, name) for name in citizen_columns)
                ),
            ),
            joinedload(HumanTask.assignee).load_only(User.real_name),
        )
        .where(*terms, tab_term)
        .order_by(*_order(sort))
    )


def matching_tasks(clerk: User, flt: QueueFilter, limit: int) -> list[HumanTask]:
    """Every task of the tab and filters of `flt` (all pages, in its order), at most `limit`:
    the same rows, within the same department scope, as the queue shows (for exports)."""
    built = _conditions(clerk, flt, services_for_filter())
    if built is None:
        return []
    terms, _needs_case = built
    query = _rows_query(
        _tab_condition(clerk, flt.tab, flt.state),
        terms,
        flt.sort,
        "id_number",
        "mobile",
    )
    return list(db.session.execute(query.limit(limit)).scalars().all())


def _review_status():
    """Each case's auto-review at a glance, from its current files' `review_status` column
    (no review JSON is read): "pass" when every file passed, "pending" while one is being
    checked, otherwise "attention"; None for a case without files. A correlated subquery
    of the page's rows statement, so it runs for the rows shown only, in the same round
    trip (it was a statement of its own, with the page's case ids as 50 parameters)."""
    current = db.select(
        case(
            (func.count() == 0, None),
            (func.count() == func.count(case((Attachment.review_status == "pass", 1))), "pass"),
            (func.count(case((Attachment.review_status == "pending", 1))) > 0, "pending"),
            else_="attention",
        )
    ).where(Attachment.application_id == Application.id, Attachment.superseded.is_(False))
    return current.correlate(Application).scalar_subquery().label("review")


_REVIEW_STATUS = _review_status()


# ---------------------------------------------------------------- saved filters


def saved_filters(clerk: User) -> list[SavedFilter]:
    """The clerk's saved filters, by name."""
    return list(
        db.session.execute(
            db.select(SavedFilter).where(SavedFilter.user_id == clerk.id).order_by(SavedFilter.name)
        ).scalars()
    )


@uow.use_case
def save_filter(clerk: User, name: str, flt: QueueFilter) -> SavedFilter:
    """Save the current filter under a name (the same name again replaces it)."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed({"name": _l("Please name the filter.")})
    if len(name) > SAVED_FILTER_NAME_MAX:
        raise ValidationFailed({"name": _l("At most %(n)d characters.", n=SAVED_FILTER_NAME_MAX)})
    existing = db.session.execute(
        db.select(SavedFilter).where(SavedFilter.user_id == clerk.id, SavedFilter.name == name)
    ).scalar()
    if existing is not None:
        existing.query = flt.saved_query()
        return existing
    count = db.session.execute(
        db.select(func.count()).select_from(SavedFilter).where(SavedFilter.user_id == clerk.id)
    ).scalar()
    if count >= SAVED_FILTERS_MAX:
        raise ValidationFailed(
            {"name": _l("At most %(n)d saved filters; delete one first.", n=SAVED_FILTERS_MAX)}
        )
    saved = SavedFilter(user_id=clerk.id, name=name, query=flt.saved_query(), created_at=utcnow())
    db.session.add(saved)
    db.session.flush()
    return saved


def get_saved_filter(clerk: User, filter_id: int) -> SavedFilter:
    """One of the clerk's own saved filters (another's is not found)."""
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != clerk.id:
        raise NotFound("filter_not_found", _l("No such saved filter."))
    return saved


@uow.use_case
def delete_filter(clerk: User, filter_id: int) -> None:
    """Delete one of the clerk's saved filters."""
    db.session.delete(get_saved_filter(clerk, filter_id))
