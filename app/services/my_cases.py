"""A citizen's own cases ("My cases"), a page at a time: the ones in progress (drafts
included) and the finished ones, newest first.

A person who applies often, or an agent filing for many companies (代办), gathers
thousands of cases over the years; the list used to load every one of them, with its form
data, on each visit. A page now reads `PAGE_SIZE` cases (and one more, to tell whether a
next page exists) and the two tabs' counts, whatever the history: three statements.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.orm import load_only, selectinload

from app.extensions import db
from app.models import RUNNING_STATUSES, Application, ApplicationStatus, User

PAGE_SIZE = 20
MAX_PAGE = 10_000
TABS = ("open", "finished")
# The "open" tab: drafts and running cases; every other case has come to an end (decided,
# refused, withdrawn or ended by an administrator).
IN_PROGRESS = (ApplicationStatus.DRAFT, *RUNNING_STATUSES)


@dataclass(frozen=True)
class MyCasesPage:
    """One page of one tab of a citizen's cases, with both tabs' counts."""

    tab: str  # "open" (drafts and cases in progress) or "finished"
    page: int
    cases: list[Application]
    has_next: bool
    counts: dict[str, int]


def _in_tab(tab: str):
    in_progress = Application.status.in_(IN_PROGRESS)
    return ~in_progress if tab == "finished" else in_progress


def page_of_cases(citizen: User, tab: str | None = None, page: int = 1) -> MyCasesPage:
    """Page `page` of the citizen's cases in `tab`, newest first. Without a tab: the cases
    in progress, or the finished ones when nothing is in progress. An unknown tab or a page
    out of range reads as the first tab or the nearest page."""
    page = max(1, min(int(page), MAX_PAGE))
    mine = Application.citizen_id == citizen.id
    in_progress = Application.status.in_(IN_PROGRESS).label("in_progress")
    counts = dict.fromkeys(TABS, 0)
    for open_, n in db.session.execute(
        db.select(in_progress, func.count()).where(mine).group_by(in_progress)
    ).all():
        counts["open" if open_ else "finished"] = n
    if tab not in TABS:
        tab = "finished" if counts["open"] == 0 and counts["finished"] else "open"
    rows = list(
        db.session.execute(
            db.select(Application)
            .where(mine, _in_tab(tab))
            .options(
                # what the list shows: not the form data or the material notes
                load_only(
                    Application.case_number,
                    Application.status,
                    Application.submitted_at,
                    Application.due_at,
                    Application.service_id,
                    Application.company_id,
                ),
                selectinload(Application.company),
            )
            .order_by(Application.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        ).scalars()
    )
    return MyCasesPage(tab, page, rows[:PAGE_SIZE], len(rows) > PAGE_SIZE, counts)
