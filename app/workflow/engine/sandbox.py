"""Script sandbox: the script engine SpiffWorkflow calls for every script and condition.

* Conditions (gateways, timers, service-task parameters, DMN cells) are evaluated in-process
  through the strict AST whitelist of `expressions.py`.
* Simple scripts (assignments over whitelisted expressions) run in-process the same way.
* Every other script runs in a persistent worker process (`script_worker.py`) under
  RestrictedPython with RLIMIT_AS / RLIMIT_CPU and a wall-clock timeout; on timeout the
  worker is killed and a new one is started for the next script.

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
from .expressions import ExpressionRefused, evaluate_expression, is_simple_script, run_simple_script

WORKER_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "script_worker.py")
DEFAULT_TIMEOUT_SECONDS = float(os.environ.get("OW_SCRIPT_TIMEOUT_SECONDS", "3"))


class ScriptRunner:
    """A persistent sandboxed worker process, restarted after a timeout or a crash."""

    def __init__(
        self, timeout: float = DEFAULT_TIMEOUT_SECONDS, memory_bytes: int = 512 * 1024 * 1024
    ):
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        env = {
            "PATH": "/usr/bin:/bin",
            "OMP_THREAD_LIMIT": "1",
            "OW_SCRIPT_MEMORY_BYTES": str(self.memory_bytes),
        }
        return subprocess.Popen(
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
        request = json.dumps({"script": script, "data": data}) + "\n"
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
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
        return answer["data"]


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
    """Evaluates conditions in-process (whitelist) and runs scripts (in-process or worker)."""

    def __init__(self, runner: ScriptRunner | None = None):
        super().__init__({})
        self._runner = runner

    @property
    def runner(self) -> ScriptRunner:
        """The worker used for non-simple scripts."""
        return self._runner or default_runner()

    def evaluate(self, expression, context, external_context=None):
        """Evaluate a condition/expression against the task data."""
        return evaluate_expression(expression, context, external_context)

    def execute(self, script, context, external_context=None):
        """Run a script; the task data dict is replaced in place by the script's result."""
        if is_simple_script(script):
            new_data = run_simple_script(script, context)
        else:
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
        """Evaluate a whitelisted expression; ScriptError on refusal or failure."""
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ExpressionRefused as exc:
            raise ScriptError(
                self._element_id(task), f"expression refused: {exc} in {expression!r}"
            ) from None
        except Exception as exc:  # noqa: BLE001 - reported with the element id
            raise ScriptError(
                self._element_id(task), f"{type(exc).__name__}: {exc} in {expression!r}"
            ) from None

    def execute(self, task, script, external_context=None):
        """Run a script for `task`; ScriptError on refusal, failure, timeout or memory."""
        try:
            return self.environment.execute(script, task.data, external_context)
        except ScriptError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported with the element id
            message = str(exc) if isinstance(exc, RuntimeError) else f"{type(exc).__name__}: {exc}"
            raise ScriptError(self._element_id(task), message) from None
