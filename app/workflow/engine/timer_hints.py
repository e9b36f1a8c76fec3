"""The fix named in a `bad_timer` refusal: the ISO 8601 form of a timer written as Python.

Diagrams drawn for SpiffWorkflow's own script engine write timers as Python values —
`timedelta(milliseconds=2)`, `(2, timedelta(seconds=.25))` for a cycle, `datetime(...)` for a
date. The product's expression whitelist does not evaluate those calls, so the deployment
is refused; `timer_fix` turns the value into the ISO 8601 text to write instead (or gives
an example of the right shape when the value cannot be worked out without running it).
"""

from __future__ import annotations

import ast
import datetime as _datetime

# tag of the timer definition -> (what the tag holds, an example of it)
TIMER_SHAPES = {
    "timeDuration": ("duration", "PT5M"),
    "timeDate": ("date-time", "2030-01-31T09:00:00"),
    "timeCycle": ("repeating interval", "R3/PT10M"),
}
_TIMEDELTA_ARGS = ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks")


def timer_fix(tag: str, text: str) -> str:
    """'write ...' naming the ISO 8601 text that replaces `text` (or an example of one)."""
    iso = iso_equivalent(text)
    if iso is not None:
        return f"write the ISO 8601 form {iso!r} instead"
    noun, example = TIMER_SHAPES.get(tag, ("duration", "PT5M"))
    return f"write an ISO 8601 {noun} such as {example!r} instead"


def iso_equivalent(text: str) -> str | None:
    """The ISO 8601 text of a constant timedelta / (count, timedelta) / datetime, else None."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    try:
        if isinstance(tree, ast.Tuple) and len(tree.elts) == 2:
            count = ast.literal_eval(tree.elts[0])
            duration = _timedelta(tree.elts[1])
            if isinstance(count, int) and duration is not None:
                return f"R{count}/{iso_duration(duration)}" if count >= 0 else None
            return None
        duration = _timedelta(tree)
        if duration is not None:
            return iso_duration(duration)
        moment = _datetime_call(tree)
        return moment.isoformat() if moment is not None else None
    except (ValueError, TypeError, OverflowError):
        return None


def iso_duration(duration: _datetime.timedelta) -> str:
    """`timedelta(hours=1, seconds=0.25)` -> 'PT1H0.25S' (negative durations are refused)."""
    if duration < _datetime.timedelta(0):
        raise ValueError("negative duration")
    days = duration.days
    hours, rest = divmod(duration.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    seconds += duration.microseconds / 1_000_000
    date = f"{days}D" if days else ""
    clock = "".join(f"{value}{unit}" for value, unit in ((hours, "H"), (minutes, "M")) if value) + (
        f"{seconds:g}S" if seconds else ""
    )
    if not date and not clock:
        return "PT0S"
    return f"P{date}" + (f"T{clock}" if clock else "")


def _call_name(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _constant_args(node: ast.Call, names: tuple[str, ...]) -> dict:
    values = {names[i]: ast.literal_eval(arg) for i, arg in enumerate(node.args)}
    values.update({kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg})
    if any(not isinstance(v, (int, float)) or isinstance(v, bool) for v in values.values()):
        raise TypeError("not a number")
    return values


def _timedelta(node: ast.AST) -> _datetime.timedelta | None:
    if _call_name(node) != "timedelta":
        return None
    return _datetime.timedelta(**_constant_args(node, _TIMEDELTA_ARGS))


def _datetime_call(node: ast.AST) -> _datetime.datetime | None:
    if _call_name(node) != "datetime":
        return None
    names = ("year", "month", "day", "hour", "minute", "second", "microsecond")
    return _datetime.datetime(**_constant_args(node, names))
