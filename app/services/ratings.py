"""Satisfaction ratings (政务服务"好差评"): a citizen rates a decided case once; a bad rating
(不满意/非常不满意) is followed up by an administrator, whose reply the citizen sees.

Plain functions over the database; the views only translate the domain errors raised here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import uow
from app.domain import events
from app.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.models import Application, ApplicationStatus, Rating, User, utcnow
from app.models.ratings import BAD_LEVEL_MAX, LEVEL_MAX, LEVEL_MIN
from app.services import agents

COMMENT_MAX = 500
REPLY_MAX = 2000
DECIDED = (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)

# The five levels of the national 好差评 scheme, best first (as the form shows them).
LEVEL_LABELS = {
    5: _l("Very satisfied"),
    4: _l("Satisfied"),
    3: _l("Basically satisfied"),
    2: _l("Dissatisfied"),
    1: _l("Very dissatisfied"),
}


def for_application(application: Application) -> Rating | None:
    """The case's rating, if the citizen has given one."""
    return db.session.execute(
        db.select(Rating).where(Rating.application_id == application.id)
    ).scalar()


def can_rate(user: User, application: Application) -> bool:
    """True if `user` owns the decided case and has not rated it yet."""
    return (
        user.is_citizen
        and application.citizen_id == user.id
        and application.status in DECIDED
        and for_application(application) is None
    )


def parse_level(raw) -> int:
    """The level as an int in 1..5, or ValidationFailed (0, 6, "abc", "", None…)."""
    try:
        level = int(str(raw).strip())
    except (TypeError, ValueError):
        level = None
    if level is None or not LEVEL_MIN <= level <= LEVEL_MAX:
        raise ValidationFailed({"level": _l("Choose one of the five levels.")})
    return level


@uow.use_case
def rate(citizen: User, application: Application, level, comment: str | None = "") -> Rating:
    """Store the citizen's rating of their decided case; refuse a second one.

    A bad rating (level 1–2) goes on the administrators' follow-up list.
    """
    if not citizen.is_citizen or application.citizen_id != citizen.id:
        raise NotFound("application_not_found", _l("No such application."))
    agents.require_may_act(citizen, application)
    if application.status not in DECIDED:
        raise Conflict("not_decided", _l("A case can be rated once it has been decided."))
    level = parse_level(level)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed({"comment": _l("At most %(n)d characters.", n=COMMENT_MAX)})
    if for_application(application) is not None:
        raise Conflict("already_rated", _l("You have already rated this case. Thank you."))
    rating = Rating(
        application_id=application.id,
        citizen_id=citizen.id,
        level=level,
        comment=comment or None,
        created_at=utcnow(),
    )
    db.session.add(rating)
    try:
        db.session.flush()
    except IntegrityError as exc:  # a double submit that raced past the check above
        raise Conflict("already_rated", _l("You have already rated this case. Thank you.")) from exc
    events.case_step(application, "rated", actor=citizen, data={"level": level})
    return rating


def awaiting_follow_up(limit: int = 100) -> list[Rating]:
    """Bad ratings nobody has answered yet, oldest first (the administrators' to-do list),
    with their case, its service and the citizen loaded in the same statement."""
    return list(
        db.session.execute(
            db.select(Rating)
            .options(
                joinedload(Rating.application).joinedload(Application.service),
                joinedload(Rating.citizen),
            )
            .where(Rating.level <= BAD_LEVEL_MAX, Rating.followed_up_at.is_(None))
            .order_by(Rating.created_at, Rating.id)
            .limit(limit)
        ).scalars()
    )


def count_awaiting_follow_up() -> int:
    """How many bad ratings still wait for a follow-up."""
    return db.session.execute(
        db.select(db.func.count())
        .select_from(Rating)
        .where(Rating.level <= BAD_LEVEL_MAX, Rating.followed_up_at.is_(None))
    ).scalar()


@uow.use_case
def follow_up(admin: User, rating_id: int, reply: str) -> Rating:
    """An administrator answers a bad rating; the citizen sees the reply.

    Only once per rating: a second reply (or two admins at once) is refused.
    """
    if not admin.is_admin:
        raise Forbidden("admin_only", _l("Only administrators may follow up ratings."))
    rating = db.session.get(Rating, rating_id)
    if rating is None:
        raise NotFound("rating_not_found", _l("No such rating."))
    if not rating.is_bad:
        raise Conflict("not_bad", _l("Only dissatisfied ratings are followed up."))
    reply = (reply or "").strip()
    if not reply:
        raise ValidationFailed({"reply": _l("Write what was done about the complaint.")})
    if len(reply) > REPLY_MAX:
        raise ValidationFailed({"reply": _l("At most %(n)d characters.", n=REPLY_MAX)})
    now = utcnow()
    res = db.session.execute(
        update(Rating)
        .where(Rating.id == rating.id, Rating.followed_up_at.is_(None))
        .values(follow_up_reply=reply, followed_up_at=now, followed_up_by_id=admin.id)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:
        raise Conflict("already_followed_up", _l("This rating has already been followed up."))
    events.case_step(rating.application_id, "rating_followed_up", actor=admin, message=reply)
    events.audited(
        "admin_change",
        actor=admin,
        object_type="rating",
        object_id=rating.id,
        details={"change": "rating_follow_up", "case": rating.application_id},
    )
    db.session.refresh(rating)
    return rating
