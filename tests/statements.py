"""Counting the SQL statements one piece of code issues (a page, a use case), on the calling
thread only: the embedded job runner's threads may work at the same moment (a notification
job queued by the step before), and their statements are not the page's."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def counted_statements(engine):
    """Yield the list that receives each statement this thread sends through `engine`."""
    me = threading.get_ident()
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if threading.get_ident() == me:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
