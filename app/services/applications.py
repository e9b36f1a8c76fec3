"""A citizen's application, from draft to submission (for themself, or as a company's agent).

Drafts keep what the citizen typed and uploaded; `submit()` is one transaction that checks
everything, numbers the case and starts its workflow. A second submit of the same draft is
refused with a clear message, never a second case.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, inspect, update
from sqlalchemy.orm.attributes import set_committed_value

from app import uow
from app.domain import calendar, events
from app.domain.catalogue import service_of
from app.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from app.extensions import db
from app.jobs import queue
from app.models import (
    Application,
    ApplicationStatus,
    Attachment,
    Company,
    Service,
    User,
    utcnow,
)
from app.models.materials import MaterialSubstitute
from app.services import (
    agents,
    catalogue,
    file_lanes,
    forms,
    lookup,
    material_rules,
    reuse,
    uploads,
)
from app.services.periods import local_today
from app.workflow import runtime


@uow.use_case
def start_draft(citizen: User, service: Service, company: Company | None = None) -> Application:
    """The citizen's open draft for `service`, created if none, prefilled from the verified
    account (`prefill`) and from the citizen's valid e-certificates (`prefill_certificate`);
    with `company`, a draft applied for on the company's behalf (代办: the citizen must be
    its verified legal representative or an agent in force for the service), prefilled
    with its name and credit code.

    Parallel calls (a double click, several tabs) get the same draft: the database holds at
    most one draft per citizen and service (a partial unique index), and the draft is
    inserted with ON CONFLICT DO NOTHING, so a second request waits for the first one's
    transaction and then finds its draft instead of adding another.
    """
    if company is not None:
        agents.require_may_apply(citizen, company, service.code)
    draft = _open_draft(citizen, service, company)
    if draft is None:
        form = catalogue.service_form(service)
        fields = catalogue.form_fields(form)
        prefill = reuse.prefill(citizen, fields)
        prefill.update(
            {f["name"]: getattr(citizen, f["prefill"], None) for f in fields if f.get("prefill")}
        )
        if company is not None:
            prefill.update(_company_prefill(form, company))
        # The inserted row comes back with the INSERT (RETURNING); nothing comes back when
        # a parallel call inserted the draft first: then it is read.
        draft = db.session.execute(
            _insert_draft_if_none()
            .values(
                citizen_id=citizen.id,
                service_id=service.id,
                company_id=company.id if company is not None else None,
                service_version_id=(service.definition or {}).get("version_id"),
                status=ApplicationStatus.DRAFT,
                form_data={k: v for k, v in prefill.items() if v},
            )
            .returning(Application)
        ).scalar() or _open_draft(citizen, service, company)
    return draft


def _company_prefill(form: dict, company: Company) -> dict:
    known = {"company_name": company.name, "credit_code": company.credit_code}
    return {
        f["name"]: known[f["applicant_key"]]
        for f in catalogue.form_fields(form)
        if f.get("applicant_key") in known
    }


def _open_draft(citizen: User, service: Service, company: Company | None) -> Application | None:
    return db.session.execute(
        db.select(Application).where(
            Application.citizen_id == citizen.id,
            Application.service_id == service.id,
            Application.status == ApplicationStatus.DRAFT,
            (
                Application.company_id.is_(None)
                if company is None
                else Application.company_id == company.id
            ),
        )
    ).scalar()


def _insert_draft_if_none():
    """INSERT INTO application … ON CONFLICT DO NOTHING, in the database's dialect
    (PostgreSQL and SQLite spell it alike; SQLAlchemy builds it per dialect). The conflict
    to expect is the one-draft index (citizen, service, company); a draft has no other
    unique value, so no target is named (the index's expression would have to be repeated
    exactly)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover — the supported databases are SQLite and PostgreSQL
        raise RuntimeError(f"start_draft needs INSERT … ON CONFLICT, not available on {dialect}")
    return insert(Application).on_conflict_do_nothing()


def get_for_citizen(citizen: User, application_id: int) -> Application:
    """The application if it belongs to `citizen`; NotFound otherwise (never reveal others)."""
    app_ = db.session.get(Application, application_id)
    if app_ is None or app_.citizen_id != citizen.id:
        raise NotFound("application_not_found", _l("No such application."))
    return app_


def _require_draft(application: Application) -> None:
    agents.require_may_act(application.citizen, application)
    if application.status != ApplicationStatus.DRAFT:
        raise Conflict(
            "not_draft",
            _l("This application has already been submitted and can no longer be changed here."),
        )


@uow.use_case
def save_form(application: Application, raw: dict, step: int | None = None) -> dict:
    """Validate and store the form; returns field errors (the valid values are kept). With
    `step` (a form asked one section per page, `catalogue.form_steps`), only that section's
    fields are checked and stored; the answers saved on other pages stand, and a field may
    depend on one of them (`show_when`)."""
    _require_draft(application)
    form = catalogue.case_form(application)
    steps = catalogue.form_steps(form)
    fields = catalogue.form_fields(form)
    if step is not None and 0 <= step < len(steps):
        fields = steps[step]["fields"]
        names = {f["name"] for f in fields}
        # this page's answers as sent (an unticked box is absent), the others as saved
        saved = {k: v for k, v in _as_submitted(application.form_data).items() if k not in names}
        raw = {**saved, **raw}
    names = {f["name"] for f in fields}
    clean, errors = forms.validate(form, raw)
    errors = {name: message for name, message in errors.items() if name in names}
    merged = dict(application.form_data or {})
    for field in fields:
        name = field["name"]
        if name in clean:
            merged[name] = clean[name]
        elif name not in errors and raw.get(name, None) in ("", None):
            merged.pop(name, None)
    for field in catalogue.form_fields(form):  # on another page, and now not asked for
        if field["name"] not in names and not forms.is_shown(field, merged):
            merged.pop(field["name"], None)
    application.form_data = merged
    return errors


def _as_submitted(form_data: dict | None) -> dict:
    """Stored answers as a browser would send them again (a ticked box is "1")."""
    return {k: ("1" if v is True else v) for k, v in (form_data or {}).items()}


def material_slots(application: Application) -> list[dict]:
    """The service's required/optional materials, each with the files uploaded for it and
    what stands in for an upload (`substitute`: a certificate, a declaration, deferred) and
    whether the form's answers ask for it (`shown`: its `show_when`)."""
    by_slot: dict = {}
    for att in application.attachments:
        if att.superseded:
            continue
        by_slot.setdefault(att.slot, []).append(att)
    substitutes = material_rules.substitutes_by_slot(application)
    values = application.form_data or {}
    return [
        dict(
            m,
            files=by_slot.get(m["slot"], []),
            substitute=substitutes.get(m["slot"]),
            shown=forms.is_shown(m, values),
        )
        for m in application.service.definition.get("materials", [])
    ]


@uow.use_case
def add_attachment(application: Application, slot: str, filename: str, data: bytes) -> Attachment:
    """Check and store an uploaded file for a draft's `slot`, then queue its auto-review."""
    _require_draft(application)
    return store_attachment(application, slot, filename, data)


def store_attachment(
    application: Application, slot: str, filename: str, data: bytes, *, supersede: bool = False
) -> Attachment:
    """Check, store and queue the review of one file (part of the caller's use case; the
    stored file is removed again if that use case fails).

    With `supersede`, earlier files of the slot are marked replaced (corrections, 补正).

    The limits on files hold under parallel uploads: the file is checked and stored first,
    then the application is locked (`_lock_for_new_file`) and the files are counted again
    and the new one added under that lock, which is held until the use case commits.
    Corrections are not locked here: the workflow lets one answer per request through (its
    message is delivered once, under the instance's lock), and locking the application
    before the instance would invert the order in which the workflow takes the two.
    """
    slots = {m["slot"]: m for m in service_of(application).definition.get("materials", [])}
    if slot not in slots:
        raise DomainError("bad_slot", _l("Unknown material."))
    if supersede or "attachments" in inspect(application).dict:
        # refuse early, before the file's checks, when the files are at hand; otherwise the
        # count under the lock below refuses it (one read of the files instead of two)
        _check_room(application, slot, supersede)
    filename = (filename or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200] or "upload"
    checked = uploads.inspect_content(data, filename)
    lane = file_lanes.lane_for_upload(application, checked)
    stored = uploads.store(data, checked.mime_type)
    uow.on_failure(lambda: uploads.remove(stored.stored_name))
    if not supersede:
        _lock_for_new_file(application)
        _check_room(application, slot, supersede)
    if supersede:
        for old in application.attachments:
            if old.slot == slot and not old.superseded:
                old.superseded = True
    att = Attachment(
        application=application,
        slot=slot,
        original_name=filename,
        stored_name=stored.stored_name,
        mime_type=stored.mime_type,
        size=stored.size,
        sha256=stored.sha256,
        review_status="pending",
        lane=lane,
    )
    db.session.add(att)
    db.session.flush()
    queue.enqueue("review_attachment", lane=att.lane, attachment_id=att.id)
    return att


def _check_room(application: Application, slot: str, supersede: bool) -> None:
    """Refuse a file beyond MAX_FILES_PER_SLOT (live files of the slot, unless it replaces
    them) or MAX_FILES_PER_APPLICATION (every file the application ever had)."""
    cfg = current_app.config
    in_slot = sum(1 for a in application.attachments if a.slot == slot and not a.superseded)
    if not supersede and in_slot >= cfg["MAX_FILES_PER_SLOT"]:
        raise DomainError(
            "too_many_files",
            _l("At most %(n)d files per material. Delete one first.", n=cfg["MAX_FILES_PER_SLOT"]),
        )
    if len(application.attachments) >= cfg["MAX_FILES_PER_APPLICATION"]:
        raise DomainError(
            "too_many_files",
            _l("At most %(n)d files per application.", n=cfg["MAX_FILES_PER_APPLICATION"]),
        )


def _lock_for_new_file(application: Application) -> None:
    """Hold the application until the use case ends, and re-read its status and files.

    Two uploads into one application then take turns between counting the files and adding
    one; the second sees the first one's file. PostgreSQL locks the row (SELECT … FOR
    UPDATE). SQLite has no row locks (it ignores FOR UPDATE): a write to the row takes the
    database's write lock, which a second writer waits for (busy_timeout) until we commit,
    and everything read after it is current. A status that changed meanwhile (the draft was
    submitted, the correction answered) refuses the file.
    """
    seen = application.status
    if db.session.get_bind().dialect.name == "sqlite":  # the write that locks also reads
        table = Application.__table__
        current = db.session.execute(
            update(table)
            .where(table.c.id == application.id)
            .values(status=table.c.status)
            .returning(table.c.status)
        ).scalar_one()
        set_committed_value(application, "status", current)
    else:
        db.session.refresh(application, ["status"], with_for_update=True)
    db.session.expire(application, ["attachments"])
    if application.status != seen:
        raise Conflict(
            "application_changed",
            _l(
                "This application changed while your file was being uploaded (it may have "
                "been submitted). Reload the page; the file was not saved."
            ),
        )


@uow.use_case
def remove_attachment(application: Application, attachment_id: int) -> None:
    """Delete one of the draft's files."""
    _require_draft(application)
    att = next((a for a in application.attachments if a.id == attachment_id), None)
    if att is None:
        raise NotFound("attachment_not_found", _l("No such file."))
    stored = att.stored_name
    db.session.delete(att)
    uow.on_commit(lambda: uploads.remove(stored))


@uow.use_case
def delete_draft(citizen: User, application_id: int) -> None:
    """Delete `citizen`'s unsubmitted draft with its uploaded files (the files once the
    deletion is committed). A submitted case is never deleted: the DELETE holds only while
    the application is still a draft, so a submit at the same moment wins or loses whole."""
    draft = get_for_citizen(citizen, application_id)
    if draft.status != ApplicationStatus.DRAFT:
        raise _not_deletable()
    stored = [a.stored_name for a in draft.attachments]
    db.session.execute(delete(Attachment).where(Attachment.application_id == draft.id))
    db.session.execute(
        delete(MaterialSubstitute).where(MaterialSubstitute.application_id == draft.id)
    )
    res = db.session.execute(
        delete(Application).where(
            Application.id == draft.id,
            Application.citizen_id == citizen.id,
            Application.status == ApplicationStatus.DRAFT,
        )
    )
    if res.rowcount != 1:  # submitted meanwhile: the files stay with the case
        raise _not_deletable()
    db.session.expunge(draft)
    for name in stored:
        uow.on_commit(lambda name=name: uploads.remove(name))


def _not_deletable() -> Conflict:
    return Conflict(
        "not_draft",
        _l("This application has already been submitted and can no longer be deleted."),
    )


def check_complete(application: Application) -> dict:
    """Everything still missing before submission: form field errors and required materials
    (a material given by certificate or declaration is there; a deferrable one may follow)."""
    form = catalogue.case_form(application)
    _, errors = forms.validate(form, _as_submitted(application.form_data))
    groups: dict = {}
    for slot in material_slots(application):
        if not slot["shown"]:  # not asked for with these answers (e.g. the lease when buying)
            continue
        given = slot["files"] or slot["substitute"] is not None or slot.get("deferrable")
        if slot.get("required") and not given:
            errors[f"material:{slot['slot']}"] = _l("Upload this material.")
        if slot.get("required_group"):
            groups.setdefault(slot["required_group"], []).append(slot)
    for slots in groups.values():  # "one of these" materials (e.g. invoice or lease)
        if not any(s["files"] or s["substitute"] is not None for s in slots):
            errors[f"material:{slots[0]['slot']}"] = _l("Upload at least one of these materials.")
    return errors


@uow.use_case
def submit(application: Application) -> Application:
    """Submit a complete draft: number the case, start its workflow. One transaction."""
    agents.require_may_act(application.citizen, application)
    errors = check_complete(application)
    if errors:
        raise ValidationFailed(errors, _l("The application is not complete yet."))
    now = utcnow()
    # The row as it is now, read back by the UPDATE itself (RETURNING), replaces what this
    # session held: one statement instead of an UPDATE and a refresh. The case number, the
    # statutory due date and the query code (printed on the receipt) are written by it too.
    # The date in the case number is the day it was submitted where the service is (Beijing),
    # as every time on its pages is shown: 00:30 on 1 March local is 1 March, not 28 February.
    submitted = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.status == ApplicationStatus.DRAFT)
        .values(
            status=ApplicationStatus.SUBMITTED,
            submitted_at=now,
            case_number=f"YW{local_today(now):%Y%m%d}{application.id:06d}",
            due_at=calendar.add_working_days(now, service_of(application).time_limit_days),
            query_code=application.query_code or lookup.new_query_code(),
        )
        .returning(Application)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).scalar()
    if submitted is None:
        raise Conflict(
            "already_submitted",
            _l("This application was already submitted. Follow it under My cases."),
        )
    if submitted is not application:  # held by another session: read it as before
        db.session.refresh(application)
    material_rules.defer_missing(application, application.citizen)  # 容缺: to follow later
    events.case_step(application, "submitted", actor=application.citizen)
    try:
        runtime.start_case(application)
    except runtime.CaseStuck:
        pass  # an incident is recorded; the case waits for an administrator's retry
    return application
