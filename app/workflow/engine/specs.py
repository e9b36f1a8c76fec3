"""Custom task spec and parser/serializer wiring for both diagram flavours.

`OperatorServiceTask` replaces SpiffWorkflow's service tasks (spiff and plain/Camunda): it
looks its operator up in the `OperatorRegistry` attached to the script engine; a sync
operator runs at once, an async one leaves the task STARTED for the application. The two
parser subclasses and the two serializer registries know this class, so a Camunda file
round-trips too (the stock plain `ServiceTask` has no converter; see serialization.py).

Camunda elements with a `camunda:inputOutput` get the `CamundaIo*` variant of their spec
(`camunda_io.py` runs the mapping); both parsers build business rule tasks whose engine
evaluates `requiredDecision` chains first (`dmn_chain.py`).
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ProcessParser import AdHocParser
from SpiffWorkflow.bpmn.specs.defaults import ManualTask, NoneTask, ScriptTask
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import (
    CAMUNDA_MODEL_NS,
    CamundaTaskParser,
    ScriptTaskParser,
    UserTaskParser,
)
from SpiffWorkflow.camunda.parser.task_spec import BusinessRuleTaskParser as CamundaRuleParser
from SpiffWorkflow.camunda.specs.user_task import UserTask as CamundaUserTask
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, SpiffProcessParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser
from SpiffWorkflow.spiff.specs.defaults import ServiceTask as SpiffServiceTask

from .camunda import (
    ResultVariableBusinessRuleTask,
    has_input_output,
    input_parameters,
    output_parameters,
)
from .camunda_io import CamundaIoMixin
from .dmn_chain import ChainedDecisionParserMixin
from .errors import OperatorError, ScriptError


class OperatorServiceTask(SpiffServiceTask):
    """A service task that calls a registered operator (sync) or waits for the app (async)."""

    def __init__(
        self,
        wf_spec,
        name,
        operation_name,
        operation_params,
        result_variable,
        retries=None,
        retry_backoff_base=None,
        **kwargs,
    ):
        super().__init__(
            wf_spec,
            name,
            operation_name,
            operation_params or {},
            result_variable,
            retries,
            retry_backoff_base,
            **kwargs,
        )
        if not result_variable:
            self.result_variable = operation_name or f"{name}_result"

    def evaluate_operator_params(self, task) -> dict:
        """Evaluate each parameter expression (whitelisted) against the task data."""
        engine = task.workflow.script_engine
        return {
            key: engine.evaluate(task, param["value"])
            for key, param in (self.operation_params or {}).items()
        }

    def _execute(self, task):
        engine = task.workflow.script_engine
        registry = getattr(engine, "operators", None)
        operator = registry.get(self.operation_name) if registry is not None else None
        if operator is None:
            raise OperatorError(self.bpmn_id, f"unknown operator {self.operation_name!r}")
        params = self.evaluate_operator_params(task)
        if operator.is_async:
            task.internal_data["operator_params"] = params
            return None  # STARTED: the application runs it and calls complete_service_call
        try:
            result = operator.func(params, task.data)
        except ScriptError:
            raise
        except Exception as exc:  # noqa: BLE001 - any operator failure becomes an incident
            raise OperatorError(self.bpmn_id, f"{type(exc).__name__}: {exc}") from exc
        if result is not None:
            task.data[self.result_variable] = result
        return True


class CamundaIoUserTask(CamundaIoMixin, CamundaUserTask):
    """Camunda user task with input/output parameters."""


class CamundaIoManualTask(CamundaIoMixin, ManualTask):
    """Manual task with input/output parameters."""


class CamundaIoNoneTask(CamundaIoMixin, NoneTask):
    """Plain bpmn:task with input/output parameters."""


class CamundaIoScriptTask(CamundaIoMixin, ScriptTask):
    """Script task with input/output parameters (the script sees the locals)."""


class CamundaIoServiceTask(CamundaIoMixin, OperatorServiceTask):
    """Service task whose operator params are its input parameters (local variables)."""

    def evaluate_operator_params(self, task) -> dict:
        """The input parameters' values, evaluated once when the task became ready."""
        return self.local_values(task)


class CamundaIoBusinessRuleTask(CamundaIoMixin, ResultVariableBusinessRuleTask):
    """Business rule task with input/output parameters (DMN inputs see the locals)."""


IO_VARIANTS = {
    CamundaUserTask: CamundaIoUserTask,
    ManualTask: CamundaIoManualTask,
    NoneTask: CamundaIoNoneTask,
    ScriptTask: CamundaIoScriptTask,
    OperatorServiceTask: CamundaIoServiceTask,
    ResultVariableBusinessRuleTask: CamundaIoBusinessRuleTask,
}


class CamundaIoParserMixin:
    """Task parser mixin: an element with camunda:inputOutput gets the `CamundaIo*` spec."""

    def create_task(self):
        io = has_input_output(self.node) and self.spec_class in IO_VARIANTS
        if io:
            self.spec_class = IO_VARIANTS[self.spec_class]
        task = super().create_task()
        if io:
            task.camunda_inputs = [[n, e] for n, e in input_parameters(self.node).items()]
            task.camunda_outputs = [[n, e] for n, e in output_parameters(self.node).items()]
        return task


class SpiffAdHocParser(AdHocParser, SpiffProcessParser):
    """Ad hoc subprocesses whose data objects are spiff `DataObject`s, as in every other
    process of a spiff diagram (SpiffWorkflow 3.2's AdHocParser builds the plain class,
    which the spiff serializer has no converter for, so the spec could not be stored)."""


class OwSpiffParser(ChainedDecisionParserMixin, SpiffBpmnParser):
    """SpiffBpmnParser whose service tasks are `OperatorServiceTask`s."""

    AD_HOC_PARSER_CLASS = SpiffAdHocParser
    OVERRIDE_PARSER_CLASSES = dict(SpiffBpmnParser.OVERRIDE_PARSER_CLASSES)
    OVERRIDE_PARSER_CLASSES[full_tag("serviceTask")] = (ServiceTaskParser, OperatorServiceTask)


class CamundaServiceTaskParser(CamundaTaskParser):
    """Reads the operator name from `camunda:topic` (external tasks) or `camunda:type`."""

    def create_task(self):
        topic = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}topic")
        ctype = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}type")
        operator = topic or (ctype if ctype and ctype != "external" else None)
        result_variable = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}resultVariable")
        # input parameters are the operator's params: CamundaIoServiceTask evaluates them
        return self.spec_class(
            self.spec,
            self.bpmn_id,
            operation_name=operator or "",
            operation_params={},
            result_variable=result_variable,
            **self.bpmn_attributes,
        )


class CamundaResultRuleParser(CamundaRuleParser):
    """Business rule task parser that keeps camunda:resultVariable and mapDecisionResult."""

    def create_task(self):
        decision_ref = self.get_decision_ref(self.node)
        return self.spec_class(
            self.spec,
            self.bpmn_id,
            dmnEngine=self.process_parser.parser.get_engine(decision_ref, self.node),
            result_variable=self.node.get(f"{{{CAMUNDA_MODEL_NS}}}resultVariable"),
            map_decision_result=self.node.get(f"{{{CAMUNDA_MODEL_NS}}}mapDecisionResult"),
            **self.bpmn_attributes,
        )


class _IoUserTaskParser(CamundaIoParserMixin, UserTaskParser):
    """Camunda user task parser with input/output parameters."""


class _IoTaskParser(CamundaIoParserMixin, CamundaTaskParser):
    """Camunda plain/manual task parser with input/output parameters."""


class _IoScriptTaskParser(CamundaIoParserMixin, ScriptTaskParser):
    """Script task parser with input/output parameters."""


class _IoServiceTaskParser(CamundaIoParserMixin, CamundaServiceTaskParser):
    """Service task parser with input/output parameters."""


class _IoRuleParser(CamundaIoParserMixin, CamundaResultRuleParser):
    """Business rule task parser with input/output parameters."""


class OwCamundaParser(ChainedDecisionParserMixin, CamundaParser):
    """CamundaParser with operator service tasks, result variables and input/output mapping."""

    OVERRIDE_PARSER_CLASSES = dict(CamundaParser.OVERRIDE_PARSER_CLASSES)
    OVERRIDE_PARSER_CLASSES.update(
        {
            full_tag("userTask"): (_IoUserTaskParser, CamundaUserTask),
            full_tag("task"): (_IoTaskParser, NoneTask),
            full_tag("manualTask"): (_IoTaskParser, ManualTask),
            full_tag("scriptTask"): (_IoScriptTaskParser, ScriptTask),
            full_tag("serviceTask"): (_IoServiceTaskParser, OperatorServiceTask),
            full_tag("businessRuleTask"): (_IoRuleParser, ResultVariableBusinessRuleTask),
        }
    )


def new_parser(flavour: str):
    """A fresh parser for one deployment (ids must not clash with earlier deployments)."""
    return OwCamundaParser() if flavour == "camunda" else OwSpiffParser()
