"""Script sandbox: the script engine SpiffWorkflow calls for every script and condition.

* Every expression (gateway conditions, timers, service-task and Camunda parameters, DMN
  input expressions and cells) passes the strict AST whitelist of `expressions.py`.
  Linear ones (`expressions.runs_in_process`: comparisons, boolean logic, subscripts,
  arithmetic on numbers, `len`/`get`/... — cost bounded by expression size x data size,
  no allocation beyond the data) are evaluated in the server's process; any other one is
  evaluated by the worker below, under its limits.
* Linear simple scripts (e.g. `tax_approved = approved`) run in-process the same way.
* Every other script and expression runs in a persistent worker process
  (`script_worker.py`) under RestrictedPython with RLIMIT_AS, a per-request RLIMIT_CPU and a
  wall-clock timeout; on timeout the worker is killed and a new one is started for the next
  request. The calling thread waits on a pipe, so the server's other threads go on.

Failures surface as `ScriptError(element_id, message)`. The engine is not serialized:
`WorkflowHandle` attaches it after every load.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .errors import ScriptError
from .expressions import (
    ExpressionRefused,
    NeedsIsolation,
    evaluate_in_process,
    run_script_in_process,
)

STARTUP_SECONDS = 30  # an interpreter's start on a very busy machine; not a script's time
WORKER_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "script_worker.py")
DEFAULT_TIMEOUT_SECONDS = float(os.environ.get("OW_SCRIPT_TIMEOUT_SECONDS", "3"))
MAX_INSTANCES = 1_000  # instances one multi-instance activity may create


def _too_many(cardinality) -> bool:
    return isinstance(cardinality, (int, float)) and cardinality > MAX_INSTANCES


class ScriptRunner:
    """A persistent sandboxed worker process, restarted after a timeout or a crash."""

    def __init__(
        self,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        memory_bytes: int = 512 * 1024 * 1024,
        cpu_seconds: int = 5,
    ):
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self.cpu_seconds = cpu_seconds  # CPU time of one request (RLIMIT_CPU, per request)
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        """A new worker, once it says it is ready: its start-up (an interpreter and its
        imports, slow on a loaded machine) is not counted in any script's timeout."""
        env = {
            "PATH": "/usr/bin:/bin",
            "OMP_THREAD_LIMIT": "1",
            "OW_SCRIPT_MEMORY_BYTES": str(self.memory_bytes),
            "OW_SCRIPT_CPU_SECONDS": str(self.cpu_seconds),
        }
        proc = subprocess.Popen(
            [sys.executable, "-I", WORKER_PATH],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd="/",
            text=True,
            bufsize=1,
            close_fds=True,
        )
        ready, _, _ = select.select([proc.stdout], [], [], STARTUP_SECONDS)
        line = proc.stdout.readline() if ready else ""
        try:
            started = json.loads(line).get("ready") is True
        except ValueError:
            started = False
        if not started:
            proc.kill()
            proc.wait(timeout=2)
            raise RuntimeError(f"the script worker did not start within {STARTUP_SECONDS} s")
        return proc

    def _kill(self) -> None:
        if self._proc is not None:
            try:
                self._proc.kill()
                self._proc.wait(timeout=2)
            except Exception:  # noqa: BLE001 - best effort; a zombie is reaped later
                pass
        self._proc = None

    def close(self) -> None:
        """Stop the worker process (a new one starts on the next script)."""
        with self._lock:
            self._kill()

    @property
    def pid(self) -> int | None:
        """Process id of the current worker (None before the first script)."""
        return self._proc.pid if self._proc else None

    def run(self, script: str, data: dict) -> dict:
        """Run `script` over a copy of `data` in the worker; return the new data dict.

        Raises RuntimeError with a readable message on refusal, failure or timeout.
        """
        return self._ask({"script": script, "data": data})["data"]

    def evaluate(self, expression: str, data: dict, extra: dict | None = None):
        """Evaluate a whitelisted expression in the worker; return its (JSON) value.

        Raises RuntimeError with a readable message on refusal, failure or timeout.
        """
        return self._ask({"expression": expression, "data": data, "extra": extra or {}})["value"]

    def _ask(self, payload: dict) -> dict:
        try:
            request = json.dumps(payload, default=_json_default) + "\n"
        except (TypeError, ValueError) as exc:
            raise RuntimeError(f"the task data cannot be handed to the sandbox: {exc}") from None
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = None
                self._proc = self._start()
            proc = self._proc
            try:
                proc.stdin.write(request)
                proc.stdin.flush()
            except (BrokenPipeError, OSError):
                self._kill()
                raise RuntimeError("script worker crashed") from None
            deadline = time.monotonic() + self.timeout
            remaining = self.timeout
            line = ""
            while remaining > 0:
                ready, _, _ = select.select([proc.stdout], [], [], remaining)
                if ready:
                    line = proc.stdout.readline()
                    break
                remaining = deadline - time.monotonic()
            if not line:
                timed_out = proc.poll() is None
                self._kill()
                if timed_out:
                    raise RuntimeError(f"script timed out after {self.timeout:g} s")
                raise RuntimeError("script worker crashed (memory or CPU limit)")
        answer = json.loads(line)
        if not answer.get("ok"):
            raise RuntimeError(answer.get("error", "script failed"))
        return answer


def _json_default(value):
    """Dates and decimals cross to the worker as text (as the worker returns them)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if type(value).__name__ == "Decimal":
        return str(value)
    raise TypeError(f"value of type {type(value).__name__} is not JSON-friendly")


_default_runner: ScriptRunner | None = None
_default_lock = threading.Lock()


def default_runner() -> ScriptRunner:
    """The process-wide worker shared by every workflow handle."""
    global _default_runner
    with _default_lock:
        if _default_runner is None:
            _default_runner = ScriptRunner()
        return _default_runner


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions and runs scripts: linear ones in-process, others in the worker."""

    def __init__(self, runner: ScriptRunner | None = None):
        super().__init__({})
        self._runner = runner

    @property
    def runner(self) -> ScriptRunner:
        """The worker used for every script and expression that is not linear."""
        return self._runner or default_runner()

    def evaluate(self, expression, context, external_context=None):
        """Evaluate a condition/expression against the task data."""
        try:
            return evaluate_in_process(expression, context, external_context)
        except NeedsIsolation:
            return self.runner.evaluate(expression, context, external_context)

    def execute(self, script, context, external_context=None):
        """Run a script; the task data dict is replaced in place by the script's result."""
        try:
            new_data = run_script_in_process(script, context)
        except NeedsIsolation:
            new_data = self.runner.run(script, context)
        context.clear()
        context.update(new_data)
        return True

    def call_service(self, context, **kwargs):
        """Service tasks are handled by `OperatorServiceTask`, never through here."""
        raise NotImplementedError("service tasks go through the operator registry")


class SandboxScriptEngine(PythonScriptEngine):
    """SpiffWorkflow script engine raising `ScriptError(element_id, message)` on failure.

    `operators` is the `OperatorRegistry` used by service tasks of the attached workflow.
    """

    def __init__(self, operators=None, runner: ScriptRunner | None = None):
        super().__init__(environment=SandboxEnvironment(runner))
        self.operators = operators

    @staticmethod
    def _element_id(task) -> str | None:
        spec = getattr(task, "task_spec", None)
        return getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)

    def validate(self, expression):
        """Used by the DMN engine to decide whether a cell needs `==`: syntax only."""
        import ast

        ast.parse(expression)

    def evaluate(self, task, expression, external_context=None):
        """Evaluate a whitelisted expression; ScriptError on refusal or failure (and on a
        multi-instance cardinality over MAX_INSTANCES: each instance is a task made at once)."""
        try:
            value = self.environment.evaluate(expression, task.data, external_context)
        except ExpressionRefused as exc:
            raise ScriptError(
                self._element_id(task), f"expression refused: {exc} in {expression!r}"
            ) from None
        except Exception as exc:  # noqa: BLE001 - reported with the element id
            cause = str(exc) if isinstance(exc, RuntimeError) else f"{type(exc).__name__}: {exc}"
            raise ScriptError(self._element_id(task), f"{cause} in {expression[:200]!r}") from None
        spec = getattr(task, "task_spec", None)
        if expression == getattr(spec, "cardinality", None) and _too_many(value):
            raise ScriptError(
                self._element_id(task),
                f"multi-instance cardinality {value} is over the limit of {MAX_INSTANCES}",
            )
        return value

    def execute(self, task, script, external_context=None):
        """Run a script for `task`; ScriptError on refusal, failure, timeout or memory."""
        try:
            return self.environment.execute(script, task.data, external_context)
        except ScriptError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported with the element id
            message = str(exc) if isinstance(exc, RuntimeError) else f"{type(exc).__name__}: {exc}"
            raise ScriptError(self._element_id(task), readable_script_failure(message)) from None


RAW_FAILURES = ("AttributeError", "TypeError", "KeyError", "IndexError", "ValueError")


def readable_script_failure(message: str) -> str:
    """A script's bare Python error (`AttributeError: 'dict' object has no attribute 'x'`)
    said as a failure of the script, with what to check; other messages are kept."""
    if not message.startswith(RAW_FAILURES):
        return message
    if "'dict' object has no attribute" in message:
        hint = "process data are dictionaries: read and write them with keys (x['name']), "
        hint += "not attributes (x.name)"
    else:
        hint = "check that the data it reads exists and has the expected type"
    return f"the script failed ({message}); {hint}"
