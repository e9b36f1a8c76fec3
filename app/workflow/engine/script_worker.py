"""Sandboxed script worker: a separate process that runs diagram scripts under RestrictedPython.

Started by `sandbox.ScriptRunner` as `python -I script_worker.py`. It limits its own
address space (RLIMIT_AS) and the CPU time of each request (RLIMIT_CPU, moved forward before
every request), then reads one JSON request per line from stdin and writes one JSON answer
per line to stdout, after a first {"ready": true} once it has started:
* {"script", "data"} runs a script -> {"ok": true, "data": {...}};
* {"expression", "data", "extra"} evaluates a whitelisted expression (`expressions.py`, the
  same checks as in the server) -> {"ok": true, "value": ...};
* on failure {"ok": false, "error": "..."}.
The parent enforces the wall-clock timeout by killing this process. It imports nothing from
the application (`expressions.py` is loaded by its path), so it also runs stand-alone.
`compile_script` is shared with deploy-time validation.
"""

from __future__ import annotations

import datetime as _datetime
import decimal as _decimal
import json
import math as _math
import os
import re as _re
import sys
import types

from RestrictedPython import compile_restricted, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
)
from RestrictedPython.PrintCollector import PrintCollector

ALLOWED_MODULES = {"datetime": _datetime, "math": _math, "decimal": _decimal, "re": _re}
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        "format",
        "format_map",
        "mro",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_back",
        "f_code",
        "gi_frame",
        "gi_code",
        "gi_yieldfrom",
        "cr_frame",
        "cr_code",
        "cr_await",
        "ag_frame",
        "ag_code",
        "tb_frame",
        "tb_next",
        "func_globals",
        "func_code",
    }
)
EXTRA_BUILTINS = {
    "min": min,
    "max": max,
    "sum": sum,
    "any": any,
    "all": all,
    "sorted": sorted,
    "list": list,
    "dict": dict,
    "enumerate": enumerate,
    "reversed": reversed,
    "map": map,
    "filter": filter,
    "set": set,
    "frozenset": frozenset,
}
FORBIDDEN_BUILTINS = (
    "getattr",
    "setattr",
    "delattr",
    "hasattr",
    "vars",
    "globals",
    "open",
    "eval",
    "exec",
    "compile",
    "type",
    "object",
    "__import__",
    "input",
    "breakpoint",
    "memoryview",
    "help",
    "dir",
)
DEFAULT_MEMORY_BYTES = 512 * 1024 * 1024
DEFAULT_CPU_SECONDS_PER_REQUEST = 5
MAX_RESULT_BYTES = 5 * 1024 * 1024
_expressions = None  # expressions.py, loaded by path on the first expression request


class SandboxViolation(Exception):
    """The script tried to do something the sandbox refuses."""


def guarded_getattr(obj, name, default=None, getattr=getattr):  # noqa: A002
    """Attribute access for restricted code: no underscores, frames, format or modules."""
    if not isinstance(name, str) or name.startswith("_") or name in FORBIDDEN_ATTRIBUTES:
        raise SandboxViolation(f"attribute {name!r} is not allowed")
    if isinstance(obj, types.ModuleType) and obj not in ALLOWED_MODULES.values():
        raise SandboxViolation("module access is not allowed")
    value = getattr(obj, name, default)
    if isinstance(value, types.ModuleType):
        raise SandboxViolation(f"attribute {name!r} is a module")
    if isinstance(
        value, (types.FrameType, types.CodeType, types.GeneratorType, types.TracebackType)
    ):
        raise SandboxViolation(f"attribute {name!r} is not allowed")
    return value


def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):  # noqa: A002
    """Only a short whitelist of pure modules may be imported."""
    if level != 0 or name not in ALLOWED_MODULES:
        raise SandboxViolation(f"import of {name!r} is not allowed")
    return ALLOWED_MODULES[name]


def _inplacevar(op, x, y):
    ops = {
        "+=": lambda a, b: a + b,
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: a * b,
        "/=": lambda a, b: a / b,
        "//=": lambda a, b: a // b,
        "%=": lambda a, b: a % b,
    }
    if op not in ops:
        raise SandboxViolation(f"operator {op} is not allowed")
    return ops[op](x, y)


def make_builtins() -> dict:
    """The builtins visible to restricted scripts."""
    builtins = dict(safe_builtins)
    builtins.update(EXTRA_BUILTINS)
    for name in FORBIDDEN_BUILTINS:
        builtins.pop(name, None)
    builtins["__import__"] = guarded_import
    return builtins


def compile_script(script: str):
    """Compile under RestrictedPython; raises SyntaxError with every refusal message."""
    result = compile_restricted(script, filename="<script>", mode="exec")
    return result


# the fix named in a refusal, by what was refused (the sandbox's limits, not the script's bugs)
SCRIPT_FIXES = {
    "import": "scripts may import only {modules}: remove the import",
    "format": "use an f-string, e.g. f'{{name}} {{amount}}', instead",
    "attribute": "remove it: scripts cannot reach the interpreter's internals",
    "name": "remove it: scripts cannot open files, run code or inspect objects",
    "syntax": "rewrite that line in plain Python (no syntax errors, no names starting with _)",
}


def _script_fix(kind: str) -> str:
    return SCRIPT_FIXES[kind].format(modules=", ".join(sorted(ALLOWED_MODULES)))


def check_script(script: str) -> list[str]:
    """Deploy-time check: the reasons a script is refused ([] when it is acceptable), each
    saying what to write instead."""
    import ast

    try:
        compile_script(script)
    except SyntaxError as exc:
        first = exc.args[0] if exc.args else str(exc)
        reasons = "; ".join(first) if isinstance(first, (tuple, list)) else str(first)
        return [f"{reasons.rstrip('.')}; {_script_fix('syntax')}"]
    problems = []
    for node in ast.walk(ast.parse(script)):
        if isinstance(node, ast.Import):
            problems += [
                f"import of {a.name!r} is not allowed; {_script_fix('import')}"
                for a in node.names
                if a.name not in ALLOWED_MODULES
            ]
        elif isinstance(node, ast.ImportFrom) and (
            node.level or node.module not in ALLOWED_MODULES
        ):
            problems.append(f"import from {node.module!r} is not allowed; {_script_fix('import')}")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            kind = "format" if node.attr in ("format", "format_map") else "attribute"
            problems.append(f"attribute {node.attr!r} is not allowed; {_script_fix(kind)}")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_BUILTINS:
            problems.append(f"name {node.id!r} is not allowed; {_script_fix('name')}")
    return problems


def _json_default(value):
    if isinstance(value, (_datetime.datetime, _datetime.date, _datetime.time)):
        return value.isoformat()
    if isinstance(value, _decimal.Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"value of type {type(value).__name__} is not JSON-friendly")


def _data_view(namespace: dict) -> dict:
    """The script's variables as data: no guards, builtins, functions or modules."""
    return {
        k: v
        for k, v in namespace.items()
        if not k.startswith("_") and not callable(v) and not isinstance(v, types.ModuleType)
    }


def run_script(script: str, data: dict) -> dict:
    """Execute one script in a fresh restricted namespace; returns the new task data.

    `locals()` is a fresh copy of the script's data variables (SpiffWorkflow scripts test
    `'name' in locals()`): it shows nothing a script could not already read by name, and
    writing to it changes nothing."""
    code = compile_script(script)
    namespace = dict(data)
    builtins = make_builtins()
    builtins["locals"] = lambda: _data_view(namespace)
    namespace.update(
        {
            "__builtins__": builtins,
            "_getattr_": guarded_getattr,
            "_getitem_": default_guarded_getitem,
            "_getiter_": default_guarded_getiter,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_write_": full_write_guard,
            "_inplacevar_": _inplacevar,
            "_print_": PrintCollector,
            "__name__": "script",
            "__metaclass__": type,
        }
    )
    exec(code, namespace)  # noqa: S102 - RestrictedPython-compiled code with guards
    return _data_view(namespace)


def _expressions_module():
    """The server's expression whitelist (`expressions.py`, next to this file)."""
    global _expressions
    if _expressions is None:
        import importlib.util

        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expressions.py")
        spec = importlib.util.spec_from_file_location("ow_expressions", path)
        _expressions = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_expressions)
    return _expressions


def evaluate(expression: str, data: dict, extra: dict | None = None):
    """Evaluate a whitelisted expression (with its size guards) against `data`."""
    return _expressions_module().evaluate_expression(expression, data, extra)


def _limit_resources() -> None:
    import resource

    memory = int(os.environ.get("OW_SCRIPT_MEMORY_BYTES", DEFAULT_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_NOFILE, (16, 16))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0)) if os.getuid() != 0 else None


def _limit_cpu_of_next_request() -> None:
    """RLIMIT_CPU counts the whole life of the process: move it to "now + the budget of one
    request", so that a long-lived worker never dies of the CPU its past requests used."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    per_request = int(os.environ.get("OW_SCRIPT_CPU_SECONDS", DEFAULT_CPU_SECONDS_PER_REQUEST))
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = used + per_request
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _answer(request: dict) -> dict:
    try:
        if "expression" in request:
            value = evaluate(request["expression"], request["data"], request.get("extra"))
            text = json.dumps({"ok": True, "value": value}, default=_json_default)
        else:
            new_data = run_script(request["script"], request["data"])
            text = json.dumps({"ok": True, "data": new_data}, default=_json_default)
        if len(text) > MAX_RESULT_BYTES:
            return {"ok": False, "error": "script result too large"}
        return {"ok": True, "text": text}
    except MemoryError:
        return {"ok": False, "error": "memory limit exceeded"}
    except SyntaxError as exc:
        return {"ok": False, "error": f"script refused: {exc}"}
    except RecursionError:
        return {"ok": False, "error": "recursion too deep"}
    except Exception as exc:  # noqa: BLE001 - every script failure is reported, none escapes
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def main() -> None:
    """Serve requests until stdin closes."""
    _limit_resources()
    stdin, stdout = sys.stdin, sys.stdout
    sys.stdout = sys.stderr  # stray prints never corrupt the protocol
    stdout.write(json.dumps({"ready": True}) + "\n")  # started: a request's time starts now
    stdout.flush()
    for line in stdin:
        try:
            request = json.loads(line)
        except ValueError:
            stdout.write(json.dumps({"ok": False, "error": "bad request"}) + "\n")
            stdout.flush()
            continue
        _limit_cpu_of_next_request()
        answer = _answer(request)
        out = answer.pop("text") if "text" in answer else json.dumps(answer)
        stdout.write(out + "\n")
        stdout.flush()


if __name__ == "__main__":
    main()
