"""The service of a case, as the steps of every case read it: kept per process.

A case's service (its name, time limits, form and materials) changes only when an
administrator edits it, and nearly every use case on a case reads it. `service_of` returns
it from the values kept per process (`uow.per_process_row`, CATALOGUE_CACHE_SECONDS) instead
of a SELECT per transaction; `application.service` then finds it in the session too.
"""

from __future__ import annotations

from sqlalchemy import inspect

from app import uow
from app.models import Service


def service_of(application) -> Service:
    """The service `application` was made for, as `application.service` (without a query
    when it is kept). A case whose service is at hand already (loaded in this transaction,
    or set on a case not stored yet) gets that one."""
    state = inspect(application, raiseerr=False)
    if state is None or "service" in state.dict or application.service_id is None:
        return application.service
    return uow.per_process_row(Service, ("id", application.service_id), lambda: application.service)
