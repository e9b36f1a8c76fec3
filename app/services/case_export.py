"""Case lists exported to CSV or Excel: the clerk's queue, as filtered, in one file.

An export holds the rows the queue shows for the same tab and filters, on every page
(`workspace.matching_tasks`: the clerk's department only, lead-only tasks for leads only),
at most `EXPORT_MAX_ROWS`; a larger list is refused with a message asking to narrow it,
never cut short silently. The applicant's name, ID number and mobile number are masked by
the rules of `app.domain.masking`. A cell a spreadsheet would read as a formula (one that
starts with = + - @, a tab or a carriage return) gets a leading apostrophe in the CSV; the
Excel file stores every cell as text. Each export writes an `export` record to the audit
trail: who, which filter, which format, how many rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import uow
from app.domain import events, masking
from app.domain.errors import ValidationFailed
from app.domain.names import localized_name
from app.models import User, utcnow
from app.services import periods, workspace

EXPORT_MAX_ROWS = 10_000
FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
COLUMNS = (
    _l("Case number"),
    _l("Service"),
    _l("Applicant"),
    _l("ID number"),
    _l("Mobile number"),
    _l("Task"),
    _l("Status"),
    _l("Taken by"),
    _l("Submitted"),
    _l("Due by"),
)
_STATUS = {"open": _l("Open"), "claimed": _l("Taken"), "done": _l("Done")}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Export:
    """A finished export: the file's bytes, its type and name, and how many rows it holds."""

    body: bytes
    mimetype: str
    filename: str
    rows: int


def neutralise(cell) -> str:
    """A cell as text a spreadsheet will not run: a leading apostrophe before = + - @."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _rows(tasks) -> list[list[str]]:
    tz = periods.local_tz()
    locale = str(get_locale() or "zh")

    def day(value):
        return value.astimezone(tz).strftime("%Y-%m-%d") if value else ""

    out = []
    for task in tasks:
        application, citizen = task.application, task.application.citizen
        service = application.service
        out.append(
            [
                application.case_number,
                service.name_en if locale == "en" else service.name_zh,
                masking.mask(citizen.real_name, masking.PROFILE_KINDS["real_name"]),
                masking.mask(citizen.id_number, masking.PROFILE_KINDS["id_number"]),
                masking.mask(citizen.mobile, masking.PROFILE_KINDS["mobile"]),
                localized_name(task.name),
                str(_STATUS.get(task.status.value, task.status.value)),
                task.assignee.real_name if task.assignee else "",
                day(application.submitted_at),
                day(task.due_at),
            ]
        )
    return out


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads the file as UTF-8 with this mark
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8")


def _xlsx(header: list[str], rows: list[list[str]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(_("Cases")[:31])
    bold = book.add_format({"bold": True})
    for col, title in enumerate(header):
        sheet.write_string(0, col, title, bold)
        sheet.set_column(col, col, 18)
    for row_number, row in enumerate(rows, 1):
        for col, cell in enumerate(row):
            sheet.write_string(row_number, col, cell)  # text, never a formula or a number
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()


@uow.use_case
def export_queue(clerk: User, flt: workspace.QueueFilter, fmt: str) -> Export:
    """The queue of `clerk` under `flt` (every page) as a `fmt` ("csv" or "xlsx") file,
    recorded in the audit trail. ValidationFailed when the list is over EXPORT_MAX_ROWS."""
    if fmt not in FORMATS:
        raise ValidationFailed({"format": _l("Choose CSV or Excel.")})
    tasks = workspace.matching_tasks(clerk, flt, EXPORT_MAX_ROWS + 1)
    if len(tasks) > EXPORT_MAX_ROWS:
        raise ValidationFailed(
            {
                "filter": _l(
                    "More than %(n)s cases match: narrow the filters to export at most %(n)s.",
                    n=f"{EXPORT_MAX_ROWS:,}",
                )
            }
        )
    header = [str(title) for title in COLUMNS]
    rows = _rows(tasks)
    body = _csv(header, rows) if fmt == "csv" else _xlsx(header, rows)
    events.audited(
        "export",
        actor=clerk,
        object_type="cases",
        details={"filter": flt.saved_query(), "format": fmt, "rows": len(rows)},
    )
    stamp = utcnow().astimezone(periods.local_tz()).strftime("%Y%m%d-%H%M")
    return Export(body, FORMATS[fmt], f"cases-{stamp}.{fmt}", len(rows))
