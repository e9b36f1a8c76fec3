"""Finding the case an operator runs for, from the process data it is given."""

from __future__ import annotations

from app.extensions import db
from app.models import Application


def application_of(data: dict) -> Application | None:
    """The application whose `case_number` the process data carries, if any."""
    number = data.get("case_number")
    if not number:
        return None
    return db.session.execute(
        db.select(Application).where(Application.case_number == number)
    ).scalar()
