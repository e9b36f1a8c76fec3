"""The unit of work: nested use cases commit once, events are published in order inside the
transaction, a failure rolls everything back and keeps only what `on_failure` records, and
a direct commit cannot lose events."""

from __future__ import annotations

from datetime import date

import pytest

from app import uow
from app.extensions import db
from app.models import Holiday


@pytest.fixture()
def reactions(empty_db):
    """Install a recording reactor instead of the application's reaction table."""
    seen: list = []
    previous = uow._reactor

    def react(event):
        seen.append(event)
        if event == "write":  # a reaction writes in the same transaction
            db.session.add(Holiday(day=date(2030, 1, 2), name="by reaction", is_workday=False))
        if event == "chain":  # a reaction may record a further event
            uow.record("chained")

    uow.set_reactor(react)
    yield seen
    uow.set_reactor(previous)


def _days() -> set[str]:
    db.session.expire_all()
    return {h.name for h in db.session.execute(db.select(Holiday)).scalars()}


def _add(name: str, day: int) -> None:
    db.session.add(Holiday(day=date(2030, 1, day), name=name, is_workday=False))


def test_nested_use_cases_commit_once_at_the_outermost(reactions):
    commits = []
    db.event.listen(db.session(), "after_commit", lambda s: commits.append(1))

    @uow.use_case
    def inner():
        _add("inner", 1)
        uow.record("inner-event")

    @uow.use_case
    def outer():
        inner()
        assert commits == []  # the inner use case joined: nothing committed yet
        uow.record("outer-event")

    outer()
    assert commits == [1]
    assert reactions == ["inner-event", "outer-event"]
    assert _days() == {"inner"}


def test_reactions_run_in_the_same_transaction_and_may_record_more(reactions):
    with uow.unit_of_work():
        uow.record("write")
        uow.record("chain")
    assert reactions == ["write", "chain", "chained"]
    assert _days() == {"by reaction"}


def test_a_failed_use_case_leaves_nothing_but_what_on_failure_records(reactions):
    @uow.use_case
    def failing():
        _add("half done", 3)
        uow.record("never published")
        uow.on_failure(lambda: _add("incident", 4))
        raise ValueError("boom")

    with pytest.raises(ValueError):
        failing()
    assert reactions == []
    assert _days() == {"incident"}


def test_after_commit_actions_wait_for_the_commit_and_vanish_on_failure(reactions):
    done = []

    @uow.use_case
    def ok():
        uow.on_commit(lambda: done.append("ok"))
        assert done == []

    @uow.use_case
    def failing():
        uow.on_commit(lambda: done.append("failed"))
        raise RuntimeError("no")

    ok()
    with pytest.raises(RuntimeError):
        failing()
    assert done == ["ok"]


def test_a_direct_commit_with_unpublished_events_is_refused(reactions):
    _add("sneaky", 5)
    uow.record("would be lost")
    with pytest.raises(RuntimeError, match="commit through app.uow"):
        db.session.commit()
    uow.rollback()
    assert _days() == set()
