"""Written notices (书面文书) of a case as PDFs: issuing, listing, downloading, verifying.

`issue(application, kind, **details)` records one notice — its number, the case number, the
issuing agency, the date (Beijing time), the applicant, the body and the URL of the public
verification page its QR code holds — as a `Notice` row whose `content` is exactly what
the PDF prints, in the caller's unit of work. The PDF (about a tenth of a second of
ReportLab, most of it the QR code) is not rendered there: `rendered(notice)` writes it under
`UPLOAD_DIR/notices/` the first time the notice is downloaded or verified, from the frozen
content, so the document is the one issued whatever the case became since; `path_for`
and `verify` call it. Two first downloads at once both render; the first to record its
file wins and the other's file is removed.

The kinds (`KINDS`): 受理回执 (receipt, on submission, with the query code of the public
lookup), 受理通知书, 不予受理通知书, 补正通知书 (the one-time list of what to correct),
延期通知书, 准予/不予行政许可决定书; a refusal and a rejection state the remedies
(administrative reconsideration within 60 days, litigation within 6 months).

`on_case_step` is the reaction (app/services/case_events.py) that issues the notices case
steps call for: `submitted` → receipt, `task_done` with outcome `correction` → 补正通知书,
`decided` → the decision. Intake and clocks issue the others through `issue`.
Notices are in Chinese: they are official documents; the pages around them are translated.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l

from app import uow
from app.domain.errors import NotFound
from app.extensions import db
from app.models import Application, Department, HumanTask, Notice, User, utcnow
from app.services import lookup
from app.services.approvals import can_view_case
from app.services.notice_documents import NoticeContent, render
from app.workflow import tasks

VERIFY_PATH = "/verify/notices/{code}"  # app/blueprints/public.py serves it
LOOKUP_PATH = "/lookup"
FALLBACK_AGENCY = "一网通办政务服务中心"
REMEDIES = (
    "申请人如对本{document}不服，可以自收到本{document}之日起六十日内依照《中华人民共和国"
    "行政复议法》的规定申请行政复议，或者自收到本{document}之日起六个月内依照《中华人民共和国"
    "行政诉讼法》的规定向人民法院提起行政诉讼。"
)


@dataclass(frozen=True)
class Body:
    """What a notice says besides its header: facts table rows, paragraphs, a numbered
    list, closing paragraphs."""

    facts: list[tuple[str, str]]
    body: list[str]
    items: list[str]
    closing: list[str]


@dataclass(frozen=True)
class Kind:
    """A kind of notice: its printed title, its code in the number, its label on the pages,
    the details `issue` must be given, and how its body is written."""

    title: str
    code: str
    label: object  # lazy translated text
    required: tuple[str, ...]
    write: Callable[[Application, dict], Body]


def cn_date(value: datetime | date | None) -> str:
    """2026年11月30日, in Beijing time for a timestamp."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _lines(value) -> list[str]:
    """A list of items from a list, or from text with one item per line (or per "; ")."""
    if isinstance(value, list | tuple):
        parts = [str(v) for v in value]
    else:
        parts = re.split(r"\n|；|; ", str(value or ""))
    return [p.strip().rstrip("；;") for p in parts if p and p.strip()]


def _application_facts(application: Application) -> list[tuple[str, str]]:
    return [
        ("案件编号", application.case_number or ""),
        ("办理事项", application.service.name_zh),
        ("申请日期", cn_date(application.submitted_at)),
    ]


def _opening(application: Application) -> str:
    return (
        f"你（单位）于{cn_date(application.submitted_at)}提出的“{application.service.name_zh}”"
        f"申请（案件编号：{application.case_number}），"
    )


def _receipt(application: Application, details: dict) -> Body:
    code = lookup.give_query_code(application)
    materials = {m["slot"]: m for m in application.service.definition.get("materials", [])}
    received: dict[str, int] = {}
    for att in application.attachments:
        if not att.superseded:
            received[att.slot] = received.get(att.slot, 0) + 1
    items = [
        f"{_label_zh(materials.get(slot, {}).get('label'), slot)}（{count}份）"
        for slot, count in received.items()
    ]
    for sub in application.material_substitutes:  # given without a file (material_rules)
        how = {
            "ecertificate": f"电子证照{sub.certificate.number if sub.certificate else ''}，免提交",
            "declaration": "告知承诺",
            "deferred": "容缺受理，受理后补交",
        }.get(sub.kind, sub.kind)
        items.append(f"{_label_zh(materials.get(sub.slot, {}).get('label'), sub.slot)}（{how}）")
    due = [("承诺办结日期", cn_date(application.due_at))] if application.due_at else []
    return Body(
        facts=[*_application_facts(application), ("查询码", code), *due],
        body=[
            (
                f"你（单位）于{cn_date(application.submitted_at)}通过一网通办提交的"
                f"“{application.service.name_zh}”申请已收到，收到的申请材料如下："
            ),
        ],
        items=items,
        closing=[
            (
                "本机关将自收到申请之日起五个工作日内作出是否受理的决定；需要补正的，将一次性告知"
                "需要补正的全部内容。"
            ),
            (
                f"凭案件编号和查询码（{code}）可在一网通办“办件查询”（{_public_url(LOOKUP_PATH)}）"
                "查询办理进度，无需登录。请妥善保管查询码。"
            ),
        ],
    )


def _label_zh(label, default: str) -> str:
    if isinstance(label, dict):
        return str(label.get("zh") or label.get("en") or default)
    return str(label or default)


def _acceptance(application: Application, details: dict) -> Body:
    accepted_on = details.get("accepted_on") or cn_date(utcnow())
    body = [
        _opening(application) + "申请材料齐全、符合法定形式。根据《中华人民共和国行政许可法》"
        f"第三十二条第一款第（五）项的规定，本机关决定予以受理，受理日期为{accepted_on}。"
    ]
    if details.get("decision_due"):
        body.append(f"本机关将于{details['decision_due']}前作出行政许可决定。")
    return Body(_application_facts(application), body, [], _note(details))


def _refusal(application: Application, details: dict) -> Body:
    return Body(
        _application_facts(application),
        [_opening(application) + "经审查，本机关决定不予受理。理由如下："],
        _lines(details["reason"]),
        [REMEDIES.format(document="通知书")],
    )


def _correction(application: Application, details: dict) -> Body:
    return Body(
        _application_facts(application),
        [
            _opening(application) + "经审查，申请材料不齐全或者不符合法定形式。根据《中华人民"
            "共和国行政许可法》第三十二条第一款第（四）项的规定，现一次性告知你（单位）需要补正"
            "的全部内容如下："
        ],
        _lines(details["items"]),
        [
            (
                "请登录一网通办，在本案件页面按上述要求一并提交补正材料。本机关自收到全部补正材料"
                "之日起继续办理。"
            ),
            *_note(details),
        ],
    )


def _extension(application: Application, details: dict) -> Body:
    days = f"延长{details['days']}日，" if details.get("days") else "延长办理期限，"
    return Body(
        _application_facts(application),
        [
            _opening(application) + f"因{details['reason']}，不能在规定期限内作出决定。经本机关"
            "负责人批准，根据《中华人民共和国行政许可法》第四十二条第一款的规定，办理期限"
            f"{days}本机关将于{details['new_due']}前作出决定。"
        ],
        [],
        _note(details),
    )


def _approval(application: Application, details: dict) -> Body:
    facts = _application_facts(application)
    certificate = details.get("certificate_number") or application.certificate_number
    if certificate:
        facts.append(("证照编号", str(certificate)))
    reasons = _lines(details.get("reasons"))
    return Body(
        facts,
        [
            _opening(application) + "经审查，符合法定条件、标准。根据《中华人民共和国行政许可法》"
            "第三十八条第一款的规定，本机关决定准予行政许可。"
            + ("审查意见如下：" if reasons else "")
        ],
        reasons,
        _note(details),
    )


def _rejection(application: Application, details: dict) -> Body:
    return Body(
        _application_facts(application),
        [
            _opening(application) + "经审查，不符合法定条件、标准。根据《中华人民共和国行政许可法》"
            "第三十八条第二款的规定，本机关决定不予许可。理由如下："
        ],
        _lines(details["reasons"]),
        [REMEDIES.format(document="决定书")],
    )


def _note(details: dict) -> list[str]:
    return [str(details["note"])] if details.get("note") else []


KINDS: dict[str, Kind] = {
    "receipt": Kind("受理回执", "HZ", _l("Receipt"), (), _receipt),
    "acceptance": Kind("受理通知书", "SL", _l("Notice of acceptance"), (), _acceptance),
    "refusal": Kind("不予受理通知书", "BSL", _l("Notice of refusal to accept"), ("reason",),
                    _refusal),
    "correction": Kind("补正通知书", "BZ", _l("Notice of corrections needed"), ("items",),
                       _correction),
    "extension": Kind("延期通知书", "YQ", _l("Notice of extension"), ("reason", "new_due"),
                      _extension),
    "approval": Kind("准予行政许可决定书", "ZY", _l("Decision to grant the licence"), (),
                     _approval),
    "rejection": Kind("不予行政许可决定书", "BY", _l("Decision to refuse the licence"),
                      ("reasons",), _rejection),
}  # fmt: skip


def notices_dir() -> Path:
    """Where the PDFs are kept: UPLOAD_DIR/notices (outside the web root)."""
    return Path(current_app.config["UPLOAD_DIR"]) / "notices"


def path_for(notice: Notice) -> Path:
    """The notice's PDF file (rendered now if this is its first use)."""
    return notices_dir() / rendered(notice).stored_name


def _public_url(path: str) -> str:
    """`path` made absolute with PUBLIC_URL (else the address of the request being served;
    a background job without PUBLIC_URL can only print the path)."""
    base = current_app.config.get("PUBLIC_URL")
    if not base and has_request_context():
        base = request.host_url
    return (base or "").rstrip("/") + path


def verification_url(code: str) -> str:
    """The public page that confirms a notice (the QR code's content)."""
    return _public_url(VERIFY_PATH.format(code=code))


def _agency(application: Application, kind: str, department_id: int | None) -> str:
    """Who issues: the department that acted (a correction request), else for a decision
    every department that reviewed the case (并联审批), lead department first; else the
    service's lead department."""
    departments: list[Department] = []
    if department_id:
        departments = [db.session.get(Department, department_id)]
    lead_code = application.service.definition.get("lead_department")
    lead = tasks.department_by_code(lead_code) if lead_code else None
    if not departments and kind in ("approval", "rejection"):
        departments = list(
            db.session.execute(
                db.select(Department)
                .join(HumanTask, HumanTask.department_id == Department.id)
                .where(HumanTask.application_id == application.id)
                .distinct()
                .order_by(Department.id)
            ).scalars()
        )
        if lead in departments:
            departments.remove(lead)
            departments.insert(0, lead)
    if not departments and lead is not None:
        departments = [lead]
    return "、".join(d.name_zh for d in departments if d) or FALLBACK_AGENCY


def _plain(value):
    """Details as stored (JSON): dates written the Chinese way."""
    if isinstance(value, datetime | date):
        return cn_date(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value if isinstance(value, int | float | bool) or value is None else str(value)


@uow.use_case
def issue(application: Application, kind: str, *, department_id: int | None = None, **details):
    """Write a notice of `kind` (a KINDS key) for the submitted `application` and return its
    `Notice`. `department_id` names the issuing department when one acted. `details` are
    what the kind's body says (dates may be `date`/`datetime`; lists or one item per line):

    | kind       | details (* required)                                                |
    |------------|---------------------------------------------------------------------|
    | receipt    | —  (gives the case its query code and prints it)                    |
    | acceptance | accepted_on, decision_due, note                                     |
    | refusal    | reason*  (the remedies are added)                                   |
    | correction | items*, note                                                        |
    | extension  | reason*, new_due*, days, note                                       |
    | approval   | reasons, certificate_number (default: the case's), note             |
    | rejection  | reasons*  (the remedies are added)                                  |
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown notice kind {kind!r}; known: {', '.join(KINDS)}")
    if not application.case_number:
        raise ValueError("only a submitted case (with a case number) gets notices")
    details = {key: _plain(value) for key, value in details.items() if value not in (None, "")}
    missing = [key for key in spec.required if not details.get(key)]
    if missing:
        raise ValueError(f"a {kind} notice needs {', '.join(missing)}")
    now = utcnow()
    code = secrets.token_urlsafe(18)
    number = f"{application.case_number}-{spec.code}{_count(application) + 1:02d}"
    agency = _agency(application, kind, department_id)
    body = spec.write(application, details)
    content = NoticeContent(
        title=spec.title,
        number=f"编号：{number}",
        agency=agency,
        date=cn_date(now),
        applicant=application.citizen.real_name,
        facts=body.facts,
        body=body.body,
        items=body.items,
        closing=body.closing,
        verify_url=verification_url(code),
    )
    notice = Notice(
        application_id=application.id,
        kind=kind,
        number=number,
        verification_code=code,
        agency=agency,
        details=details or None,
        content=asdict(content),
        issued_at=now,
    )
    db.session.add(notice)
    return notice


@uow.use_case
def rendered(notice: Notice) -> Notice:
    """`notice` with its PDF written (rendered from its frozen content on first use)."""
    if notice.stored_name is not None:
        return notice
    content = dict(notice.content)
    content["facts"] = [tuple(row) for row in content.get("facts", ())]
    pdf = render(NoticeContent(**content), font=current_app.config.get("NOTICE_FONT"))
    stored_name = _store(pdf)
    uow.on_failure(lambda: _remove(stored_name))
    won = db.session.execute(
        db.update(Notice)
        .where(Notice.id == notice.id, Notice.stored_name.is_(None))
        .values(stored_name=stored_name, size=len(pdf), sha256=hashlib.sha256(pdf).hexdigest())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:  # rendered at the same time by another request: keep theirs
        uow.on_commit(lambda: _remove(stored_name))
    db.session.refresh(notice)
    return notice


def _count(application: Application) -> int:
    return db.session.execute(
        db.select(db.func.count(Notice.id)).where(Notice.application_id == application.id)
    ).scalar_one()


def _store(pdf: bytes) -> str:
    folder = notices_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = f"{secrets.token_hex(16)}.pdf"
    tmp = folder / f".{stored_name}.tmp"
    tmp.write_bytes(pdf)
    os.replace(tmp, folder / stored_name)
    return stored_name


def _remove(stored_name: str) -> None:
    try:
        (notices_dir() / stored_name).unlink()
    except FileNotFoundError:
        pass


def on_case_step(step) -> None:
    """Reaction to a case step: issue the notice the step calls for, if any.

    | step                       | notice                                   |
    |----------------------------|------------------------------------------|
    | submitted                  | 受理回执 (receipt, with the query code)    |
    | accepted, deemed_accepted  | 受理通知书                                |
    | intake_refused             | 不予受理通知书 (with the remedies)          |
    | task_done (correction)     | 补正通知书 (the one-time list)             |
    | extended                   | 延期通知书                                |
    | decided                    | 准予 / 不予行政许可决定书                   |
    """
    if step.kind not in _NOTICE_STEPS:
        return
    if step.kind == "task_done" and (step.data or {}).get("outcome") != "correction":
        return
    application = db.session.get(Application, step.application_id)
    if application is None or not application.case_number:
        return
    data = step.data or {}
    if step.kind == "submitted":
        issue(application, "receipt")
    elif step.kind in ("accepted", "deemed_accepted"):
        issue(
            application,
            "acceptance",
            accepted_on=application.accepted_at,
            decision_due=application.due_at,
            note="申请人未在法定期限内收到受理决定，依法自收到申请之日起视为受理。"
            if step.kind == "deemed_accepted"
            else None,
        )
    elif step.kind == "intake_refused":
        issue(
            application,
            "refusal",
            reason=data.get("reason") or step.message or "（受理部门未说明理由，请咨询办理部门）",
        )
    elif step.kind == "task_done":
        issue(application, "correction", department_id=step.department_id, items=step.message)
    elif step.kind == "extended":
        issue(
            application,
            "extension",
            department_id=step.department_id,
            reason=data.get("reason") or step.message,
            new_due=application.due_at,
            days=data.get("days"),
        )
    elif step.message == "approved":
        issue(application, "approval", reasons=application.decision_comment)
    else:
        issue(
            application,
            "rejection",
            reasons=application.decision_comment or "（审查部门未说明理由，请咨询办理部门）",
        )


_NOTICE_STEPS = frozenset(
    {
        "submitted",
        "accepted",
        "deemed_accepted",
        "intake_refused",
        "task_done",
        "extended",
        "decided",
    }
)


def for_case(application: Application) -> list[Notice]:
    """The case's notices, oldest first."""
    return list(
        db.session.execute(
            db.select(Notice).where(Notice.application_id == application.id).order_by(Notice.id)
        ).scalars()
    )


def for_download(user: User, notice_id: int) -> Notice:
    """The notice if `user` may see its case (the applicant, clerks of a department that
    handles it, administrators); NotFound otherwise, never saying which."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or not can_view_case(user, notice.application):
        raise NotFound("notice_not_found", _l("No such notice."))
    return notice


@dataclass(frozen=True)
class VerifiedNotice:
    """What the public verification page confirms about a notice, and nothing more."""

    kind: str
    title: str
    number: str
    case_number: str
    issued_at: datetime
    agency: str
    applicant: str  # masked: 张*
    sha256: str


def mask_name(name: str | None) -> str:
    """A name as the public may see it: its first character, the rest as asterisks."""
    name = (name or "").strip()
    if not name:
        return "*"
    return name[0] + "*" * max(1, len(name.replace(" ", "")) - 1)


def verify(code: str | None) -> VerifiedNotice | None:
    """The notice with this verification code, as the public page shows it; None if none."""
    if not code or len(code) > 64:
        return None
    notice = db.session.execute(db.select(Notice).where(Notice.verification_code == code)).scalar()
    if notice is None:
        return None
    notice = rendered(notice)  # the page prints the PDF's SHA-256
    return VerifiedNotice(
        kind=notice.kind,
        title=KINDS[notice.kind].title if notice.kind in KINDS else notice.kind,
        number=notice.number,
        case_number=notice.application.case_number,
        issued_at=notice.issued_at,
        agency=notice.agency,
        applicant=mask_name(notice.application.citizen.real_name),
        sha256=notice.sha256,
    )


def agency_label(agency: str, locale: str) -> str:
    """The issuing agency of a notice as a page in `locale` names it: a notice prints its
    department's Chinese name (the legal text), which an English page shows in English."""
    if locale == "zh":
        return agency
    english = uow.per_process(
        Department,
        "department names in English by Chinese name",
        lambda: dict(db.session.execute(db.select(Department.name_zh, Department.name_en)).all()),
    )
    return english.get(agency) or agency


def kind_label(kind: str):
    """The translated name of a kind of notice, for the pages."""
    spec = KINDS.get(kind)
    return spec.label if spec else kind
