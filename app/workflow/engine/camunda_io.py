"""Camunda 7 input/output mapping (`camunda:inputOutput`) executed on task specs.

Camunda's semantics, as far as SpiffWorkflow's copy-the-data-along model allows:
* input parameters are evaluated when the task becomes ready, all against the data the task
  inherited (one parameter does not see another), and become *local variables*: they are in
  the task's data while it runs (the form, the script, the DMN inputs, the operator see
  them), shadowing a process variable of the same name;
* when the task completes, output parameters are evaluated in order against the task's
  data (locals included; an output that sets a non-local name is seen by the next one),
  then the locals are dropped (a shadowed process variable gets its old value back) and the
  outputs are set as process variables. Everything else the task wrote (form fields, script
  results, `camunda:resultVariable`) flows on as before.

`CamundaIoMixin` is mixed into the task specs the Camunda parser builds for an element that
has a `camunda:inputOutput` (see `specs.py`); `CamundaIoConverterMixin` keeps the parameters
in the stored spec. Expressions were checked against the whitelist at deploy.
"""

from __future__ import annotations

import copy

from .errors import ScriptError

LOCALS_KEY = "camunda_locals"


class CamundaIoMixin:
    """Task spec mixin: `camunda_inputs` / `camunda_outputs` are [name, expression] pairs."""

    camunda_inputs: list = []
    camunda_outputs: list = []

    def __init__(self, wf_spec, name, *args, camunda_inputs=None, camunda_outputs=None, **kwargs):
        super().__init__(wf_spec, name, *args, **kwargs)
        self.camunda_inputs = [[n, e] for n, e in (camunda_inputs or [])]
        self.camunda_outputs = [[n, e] for n, e in (camunda_outputs or [])]

    def _io_evaluate(self, task, kind: str, name: str, expression: str, extra: dict | None):
        engine = task.workflow.script_engine
        try:
            return copy.deepcopy(engine.evaluate(task, expression, external_context=extra))
        except ScriptError as exc:
            raise ScriptError(self.bpmn_id, f"{kind} parameter {name!r}: {exc.message}") from None
        except Exception as exc:  # noqa: BLE001 - reported with the element id
            raise ScriptError(
                self.bpmn_id, f"{kind} parameter {name!r}: {type(exc).__name__}: {exc}"
            ) from None

    def _update_hook(self, my_task):
        ready = super()._update_hook(my_task)
        if ready and self.camunda_inputs and LOCALS_KEY not in my_task.internal_data:
            apply_inputs(self, my_task)
        return ready

    def _on_complete_hook(self, my_task):
        apply_outputs(self, my_task)
        super()._on_complete_hook(my_task)

    def local_values(self, my_task) -> dict:
        """The current values of the task's input parameters (its local variables)."""
        return {name: my_task.data.get(name) for name, _ in self.camunda_inputs}


def apply_inputs(spec: CamundaIoMixin, task) -> None:
    """Evaluate the input parameters against the inherited data and set them as locals."""
    values = [
        (name, spec._io_evaluate(task, "input", name, expression, None))
        for name, expression in spec.camunda_inputs
    ]
    saved: dict[str, dict] = {}
    for name, value in values:
        if name not in saved:
            saved[name] = (
                {"shadowed": True, "value": copy.deepcopy(task.data[name])}
                if name in task.data
                else {"shadowed": False}
            )
        task.data[name] = value
    task.internal_data[LOCALS_KEY] = saved


def without_locals(task) -> dict:
    """The task's data as the process sees it: locals dropped, shadowed variables restored."""
    saved = task.internal_data.get(LOCALS_KEY)
    data = dict(task.data)
    for name, entry in (saved or {}).items():
        if entry.get("shadowed"):
            data[name] = entry.get("value")
        else:
            data.pop(name, None)
    return data


def apply_outputs(spec: CamundaIoMixin, task) -> None:
    """Evaluate output parameters in the task scope, drop the locals, set the outputs."""
    saved = task.internal_data.get(LOCALS_KEY) or {}
    outputs: dict = {}
    for name, expression in spec.camunda_outputs:
        outputs[name] = spec._io_evaluate(
            task, "output", name, expression, outputs_seen(outputs, saved)
        )
    if saved:
        task.data = without_locals(task)
        task.internal_data.pop(LOCALS_KEY, None)
    task.data.update(outputs)


def outputs_seen(outputs: dict, saved: dict) -> dict:
    """Earlier outputs visible to the next one: those not hidden by a local of that name."""
    return {name: value for name, value in outputs.items() if name not in saved}


class CamundaIoConverterMixin:
    """Serializer converter mixin storing the task's input and output parameters."""

    def to_dict(self, spec):
        """The base converter's dict plus camunda_inputs / camunda_outputs."""
        dct = super().to_dict(spec)
        dct["camunda_inputs"] = [list(p) for p in spec.camunda_inputs]
        dct["camunda_outputs"] = [list(p) for p in spec.camunda_outputs]
        return dct
