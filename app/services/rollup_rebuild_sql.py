"""The rollup rebuild on PostgreSQL, set-based: each rollup table is filled by one
INSERT … SELECT … GROUP BY over the history, local days taken with `AT TIME ZONE` — no row
travels to Python, so a million cases rebuild in seconds. Durations must already be stored on
the cases and tasks (`measure_missing` first). The figures are exactly those of the
streaming rebuild in `app.services.rollup_rebuild` (used on SQLite); a test on PostgreSQL
keeps both equal to the incremental rollups.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import text

from app.extensions import db
from app.models.ratings import SATISFIED_LEVEL_MIN
from app.services.rollups import COARSE_UNTIL, FINE_UNTIL

CLOSED_SQL = "('approved', 'rejected', 'refused')"


def _bucket(days: str) -> str:
    """SQL for `rollups.bucket_of(days)`."""
    fine, coarse = FINE_UNTIL, COARSE_UNTIL
    return (
        f"(CASE WHEN {days} < {fine} THEN floor({days} * 4)"
        f" WHEN {days} < {coarse} THEN {fine * 4} + floor({days} - {fine})"
        f" ELSE {fine * 4 + coarse - fine} END)::smallint"
    )


def _day(column: str) -> str:
    return f"(({column}) AT TIME ZONE :tz)::date"


# MATERIALIZED: the service's JSON definition is read once per service, not once per case
# (inlined, the planner evaluated `definition ->> …` for every joined row: 10 s at 100k).
LEAD = """lead AS MATERIALIZED (
    SELECT s.id AS service_id, COALESCE(d.id, 0) AS department_id
    FROM service s LEFT JOIN department d ON d.code = (s.definition ->> 'lead_department'))"""

DECIDED = f"""decided AS (
    SELECT a.*, f.n AS files_n, f.passed AS files_passed, f.type_corrected AS files_tc,
           (c.application_id IS NOT NULL) AS had_correction
    FROM application a
    LEFT JOIN (
        SELECT application_id, count(*) AS n,
               sum(CASE WHEN review_status = 'pass' THEN 1 ELSE 0 END) AS passed,
               sum(CASE WHEN corrected_type IS NOT NULL
                         AND corrected_type <> COALESCE(review ->> 'doc_type', '')
                        THEN 1 ELSE 0 END) AS type_corrected
        FROM attachment WHERE review IS NOT NULL GROUP BY application_id
    ) f ON f.application_id = a.id
    LEFT JOIN (
        SELECT DISTINCT application_id FROM human_task WHERE outcome = 'correction'
    ) c ON c.application_id = a.id
    WHERE a.status IN {CLOSED_SQL} AND a.decided_at IS NOT NULL
      AND a.submitted_at IS NOT NULL)"""

CASE_COLUMNS = (
    "submitted, decided, approved, rejected, refused, with_statutory, on_time_statutory, "
    "with_promised, on_time_promised, corrected, lead_days_sum, ratings, rating_sum, satisfied, "
    "files_reviewed, files_passed, files_type_corrected"
)

CASE_ROLLUP = f"""
WITH {LEAD}, {DECIDED}, ev AS (
    SELECT {_day("submitted_at")} AS day, service_id, 1 AS submitted, 0 AS decided,
           0 AS approved, 0 AS rejected, 0 AS refused, 0 AS with_statutory,
           0 AS on_time_statutory, 0 AS with_promised, 0 AS on_time_promised, 0 AS corrected,
           0.0 AS lead_days_sum, 0 AS ratings, 0 AS rating_sum, 0 AS satisfied,
           0 AS files_reviewed, 0 AS files_passed, 0 AS files_type_corrected
    FROM application WHERE submitted_at IS NOT NULL
    UNION ALL
    SELECT {_day("decided_at")}, service_id, 0, 1,
           (decision = 'approved')::int, (decision IS DISTINCT FROM 'approved')::int,
           (status = 'refused')::int, (due_at IS NOT NULL)::int,
           (due_at IS NOT NULL AND decided_at <= due_at)::int,
           (promised_due_at IS NOT NULL)::int,
           (promised_due_at IS NOT NULL AND decided_at <= promised_due_at)::int,
           had_correction::int, lead_working_days, 0, 0, 0,
           COALESCE(files_n, 0), COALESCE(files_passed, 0), COALESCE(files_tc, 0)
    FROM decided
    UNION ALL
    SELECT {_day("r.created_at")}, a.service_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0, 1,
           r.level, (r.level >= {SATISFIED_LEVEL_MIN})::int, 0, 0, 0
    FROM rating r JOIN application a ON a.id = r.application_id
)
INSERT INTO case_rollup (day, service_id, department_id, {CASE_COLUMNS})
SELECT ev.day, ev.service_id, lead.department_id,
       {", ".join(f"sum(ev.{c.strip()})" for c in CASE_COLUMNS.split(","))}
FROM ev JOIN lead ON lead.service_id = ev.service_id
GROUP BY ev.day, ev.service_id, lead.department_id
"""

CASE_DURATIONS = f"""
WITH {LEAD}, decided AS (
    SELECT * FROM application
    WHERE status IN {CLOSED_SQL} AND decided_at IS NOT NULL AND submitted_at IS NOT NULL
)
INSERT INTO duration_rollup (kind, day, service_id, department_id, bucket, n, days_sum)
SELECT 'case', {_day("d.decided_at")}, d.service_id, lead.department_id,
       {_bucket("d.lead_working_days")}, count(*), sum(d.lead_working_days)
FROM decided d JOIN lead ON lead.service_id = d.service_id
GROUP BY 2, 3, 4, 5
"""

DONE_TASKS = """done AS (
    SELECT t.*, COALESCE(t.service_id, a.service_id) AS case_service_id
    FROM human_task t JOIN application a ON a.id = t.application_id
    WHERE t.status = 'done' AND t.completed_at IS NOT NULL AND t.department_id IS NOT NULL)"""

TASK_ROLLUP = f"""
WITH {DONE_TASKS}
INSERT INTO task_rollup (day, service_id, department_id, done, with_due, on_time, days_sum)
SELECT {_day("completed_at")}, case_service_id, department_id, count(*),
       sum((due_at IS NOT NULL)::int), sum((due_at IS NOT NULL AND completed_at <= due_at)::int),
       sum(working_days)
FROM done GROUP BY 1, 2, 3
"""

TASK_DURATIONS = f"""
WITH {DONE_TASKS}
INSERT INTO duration_rollup (kind, day, service_id, department_id, bucket, n, days_sum)
SELECT 'task', {_day("completed_at")}, case_service_id, department_id,
       {_bucket("working_days")}, count(*), sum(working_days)
FROM done GROUP BY 2, 3, 4, 5
"""

STEP_ROLLUP = """
INSERT INTO step_rollup (process_version_id, element_id, entered, completed, completed_late,
                         days_sum)
SELECT i.process_version_id, t.element_id, count(*),
       sum((t.status = 'done' AND t.completed_at IS NOT NULL)::int),
       sum((t.status = 'done' AND t.completed_at IS NOT NULL AND t.due_at IS NOT NULL
            AND t.completed_at > t.due_at)::int),
       COALESCE(sum(CASE WHEN t.status = 'done' AND t.completed_at IS NOT NULL
                         THEN t.working_days END), 0)
FROM human_task t JOIN workflow_instance i ON i.id = t.instance_id
GROUP BY 1, 2
"""

STEP_DURATIONS = f"""
INSERT INTO step_duration_rollup (process_version_id, element_id, bucket, n, days_sum)
SELECT i.process_version_id, t.element_id, {_bucket("t.working_days")}, count(*),
       sum(t.working_days)
FROM human_task t JOIN workflow_instance i ON i.id = t.instance_id
WHERE t.status = 'done' AND t.completed_at IS NOT NULL
GROUP BY 1, 2, 3
"""

STATEMENTS = {
    "case_rollup": (CASE_ROLLUP,),
    "task_rollup": (TASK_ROLLUP,),
    "duration_rollup": (CASE_DURATIONS, TASK_DURATIONS),
    "step_rollup": (STEP_ROLLUP,),
    "step_duration_rollup": (STEP_DURATIONS,),
}


def rebuild_in_database() -> dict:
    """Fill the (emptied) rollup tables from history; returns the rows each now holds."""
    tz = current_app.config.get("TIMEZONE", "Asia/Shanghai")
    out = {}
    db.session.execute(text("SET LOCAL jit = off"))  # short plans; JIT only costs here
    for table, statements in STATEMENTS.items():
        out[table] = sum(db.session.execute(text(sql), {"tz": tz}).rowcount for sql in statements)
    return out
