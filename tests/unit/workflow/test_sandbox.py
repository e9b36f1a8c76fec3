"""Sandbox escapes: every known route must be refused at deploy and/or at run time."""

from __future__ import annotations

import pytest

from app.workflow.engine.expressions import ExpressionRefused, check_expression, evaluate_expression
from app.workflow.engine.script_worker import check_script

ESCAPE_SCRIPTS = {
    "subclasses": "x = ().__class__.__base__.__subclasses__()",
    "globals": "f = lambda: 0\nx = f.__globals__",
    "builtins": "x = __builtins__",
    "frame": "g = (i for i in [1])\nx = g.gi_frame.f_back.f_globals",
    "code": "g = (i for i in [1])\nx = g.gi_code",
    "format": "x = '{0.__class__}'.format(1)",
    "format_map": "x = '{a.__class__}'.format_map({'a': 1})",
    "import_os": "import os\nx = os.getcwd()",
    "from_import": "from subprocess import run",
    "open": "x = open('/etc/passwd').read()",
    "eval": "x = eval('1')",
    "getattr": "x = getattr(1, '__class__')",
    "vars": "x = vars()",
    "mro": "x = int.mro()",
}


@pytest.mark.parametrize("name", sorted(ESCAPE_SCRIPTS))
def test_escape_refused_at_deploy(name):
    assert check_script(ESCAPE_SCRIPTS[name]), f"{name} passed the deploy check"


@pytest.mark.parametrize("name", sorted(ESCAPE_SCRIPTS))
def test_escape_refused_at_run_time(name, fast_runner):
    """Even when deploy checks are bypassed, the worker refuses the escape."""
    with pytest.raises(RuntimeError):
        fast_runner.run(ESCAPE_SCRIPTS[name], {"x": 0})


def test_format_attribute_refused_even_via_variable(fast_runner):
    script = "fmt = template\nx = fmt.format(value)"
    with pytest.raises(RuntimeError, match="format"):
        fast_runner.run(script, {"template": "{0.__class__}", "value": 1})


def test_non_json_results_are_refused(fast_runner):
    with pytest.raises(RuntimeError, match="JSON"):
        fast_runner.run("g = (i for i in [1])", {})


def test_allowed_script_runs_and_returns_data(fast_runner):
    script = (
        "import math\nfrom datetime import date\ntotal = 0\n"
        "for item in items:\n    total += item['amount']\n"
        "root = math.sqrt(16)\nday = date(2025, 1, 2)\n"
    )
    out = fast_runner.run(script, {"items": [{"amount": 2}, {"amount": 3}]})
    assert out["total"] == 5 and out["root"] == 4.0 and out["day"] == "2025-01-02"
    assert "math" not in out and "date" not in out


def test_infinite_loop_times_out_and_worker_restarts(fast_runner):
    with pytest.raises(RuntimeError, match="timed out"):
        fast_runner.run("while True:\n    pass", {})
    assert fast_runner.run("y = 1 + 1", {})["y"] == 2


def test_huge_allocation_hits_memory_limit(fast_runner):
    with pytest.raises(RuntimeError, match="memory"):
        fast_runner.run("x = 'a' * (10 ** 10)", {})
    with pytest.raises(RuntimeError, match="memory"):
        fast_runner.run("x = [0] * (10 ** 9)", {})
    assert fast_runner.run("y = 3", {})["y"] == 3


def test_worker_has_no_os_access(fast_runner):
    with pytest.raises(RuntimeError):
        fast_runner.run("x = __import__('os')", {})


CONDITION_ESCAPES = [
    "().__class__.__base__.__subclasses__()",
    "'{0.__class__}'.format(x)",
    "'{a}'.format_map(d)",
    "x.__class__",
    "__builtins__",
    "_ow_arith",
    "10 ** 10 ** 10",
    "2 ** x",
    "(lambda: 1)()",
    "[i for i in range(10)]",
    "open('/etc/passwd')",
    "__import__('os')",
    "getattr(x, 'y')",
    "x.y",
    "f'{x}'",
]


@pytest.mark.parametrize("expression", CONDITION_ESCAPES)
def test_condition_escapes_refused(expression):
    assert check_expression(expression) is not None
    with pytest.raises(ExpressionRefused):
        evaluate_expression(expression, {"x": 1, "d": {"a": 1}})


def test_condition_arithmetic_is_bounded():
    with pytest.raises(ExpressionRefused):
        evaluate_expression("'a' * n", {"n": 10**9})
    with pytest.raises(ExpressionRefused):
        evaluate_expression("n * n * n * n * n * n", {"n": 10**300})
    assert (
        evaluate_expression("amount * 2 > 1000 and region == 'A'", {"amount": 600, "region": "A"})
        is True
    )


def test_conditions_allow_ordinary_logic():
    data = {"form": {"amount": 1200, "city": "Shanghai"}, "approved": True, "tags": ["a"]}
    assert evaluate_expression("form['amount'] >= 1000 and approved", data) is True
    assert evaluate_expression("form.get('missing', 0) == 0", data) is True
    assert evaluate_expression("len(tags) == 1 and 'a' in tags", data) is True
    assert evaluate_expression("form['city'].lower().startswith('shang')", data) is True
