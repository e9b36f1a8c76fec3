"""Custom task spec and parser/serializer wiring for both diagram flavours.

`OperatorServiceTask` replaces SpiffWorkflow's service tasks (spiff and plain/Camunda): it
looks its operator up in the `OperatorRegistry` attached to the script engine; a sync
operator runs at once, an async one leaves the task STARTED for the application. The two
parser subclasses and the two serializer registries know this class, so a Camunda file
round-trips too (the stock plain `ServiceTask` has no converter; see serialization.py).
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS, CamundaTaskParser
from SpiffWorkflow.camunda.parser.task_spec import BusinessRuleTaskParser as CamundaRuleParser
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser
from SpiffWorkflow.spiff.specs.defaults import ServiceTask as SpiffServiceTask

from .camunda import ResultVariableBusinessRuleTask, input_parameters
from .errors import OperatorError, ScriptError


class OperatorServiceTask(SpiffServiceTask):
    """A service task that calls a registered operator (sync) or waits for the app (async)."""

    def __init__(self, wf_spec, name, operation_name, operation_params, result_variable,
                 retries=None, retry_backoff_base=None, **kwargs):
        super().__init__(wf_spec, name, operation_name, operation_params or {},
                         result_variable, retries, retry_backoff_base, **kwargs)
        if not result_variable:
            self.result_variable = operation_name or f"{name}_result"

    def evaluate_operator_params(self, task) -> dict:
        """Evaluate each parameter expression (whitelisted) against the task data."""
        engine = task.workflow.script_engine
        return {key: engine.evaluate(task, param["value"])
                for key, param in (self.operation_params or {}).items()}

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


class OwSpiffParser(SpiffBpmnParser):
    """SpiffBpmnParser whose service tasks are `OperatorServiceTask`s."""

    OVERRIDE_PARSER_CLASSES = dict(SpiffBpmnParser.OVERRIDE_PARSER_CLASSES)
    OVERRIDE_PARSER_CLASSES[full_tag("serviceTask")] = (ServiceTaskParser, OperatorServiceTask)


class CamundaServiceTaskParser(CamundaTaskParser):
    """Reads the operator name from `camunda:topic` (external tasks) or `camunda:type`."""

    def create_task(self):
        topic = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}topic")
        ctype = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}type")
        operator = topic or (ctype if ctype and ctype != "external" else None)
        result_variable = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}resultVariable")
        params = {name: {"type": "any", "value": expression}
                  for name, expression in input_parameters(self.node).items()}
        return OperatorServiceTask(self.spec, self.bpmn_id, operation_name=operator or "",
                                   operation_params=params, result_variable=result_variable,
                                   **self.bpmn_attributes)


class CamundaResultRuleParser(CamundaRuleParser):
    """Business rule task parser that keeps camunda:resultVariable and mapDecisionResult."""

    def create_task(self):
        decision_ref = self.get_decision_ref(self.node)
        return ResultVariableBusinessRuleTask(
            self.spec, self.bpmn_id,
            dmnEngine=self.process_parser.parser.get_engine(decision_ref, self.node),
            result_variable=self.node.get(f"{{{CAMUNDA_MODEL_NS}}}resultVariable"),
            map_decision_result=self.node.get(f"{{{CAMUNDA_MODEL_NS}}}mapDecisionResult"),
            **self.bpmn_attributes)


class OwCamundaParser(CamundaParser):
    """CamundaParser whose service tasks are `OperatorServiceTask`s."""

    OVERRIDE_PARSER_CLASSES = dict(CamundaParser.OVERRIDE_PARSER_CLASSES)
    OVERRIDE_PARSER_CLASSES[full_tag("serviceTask")] = (CamundaServiceTaskParser,
                                                         OperatorServiceTask)
    OVERRIDE_PARSER_CLASSES[full_tag("businessRuleTask")] = (CamundaResultRuleParser,
                                                              ResultVariableBusinessRuleTask)


def new_parser(flavour: str):
    """A fresh parser for one deployment (ids must not clash with earlier deployments)."""
    return OwCamundaParser() if flavour == "camunda" else OwSpiffParser()
