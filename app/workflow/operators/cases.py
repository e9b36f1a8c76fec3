"""Finding the case an operator runs for, from the process data it is given."""

from __future__ import annotations

from sqlalchemy import inspect

from app.extensions import db
from app.models import Application


def application_of(data: dict) -> Application | None:
    """The application whose `case_number` the process data carries, if any."""
    number = data.get("case_number")
    if not number:
        return None
    session = db.session()
    for row in list(session.identity_map.values()):  # the advancing case is at hand, as a rule
        if (
            isinstance(row, Application)
            and inspect(row).dict.get("case_number") == number
            and row not in session.deleted
        ):
            return row
    return db.session.execute(
        db.select(Application).where(Application.case_number == number)
    ).scalar()
