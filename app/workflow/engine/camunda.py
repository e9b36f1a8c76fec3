"""Camunda 7 extensions the stock CamundaParser ignores: input parameters, result variables.

* `camunda:inputOutput` parameters are read into Python expressions: plain text is a string
  literal, `${...}` is JUEL (translated to a whitelisted Python expression), `camunda:list` /
  `camunda:map` nest; `camunda:script` is refused. They are executed by `camunda_io.py`
  (input parameters are local variables of the task, output parameters set process
  variables when it completes); a service task's input parameters are also its operator's
  params (the operator result lands in `camunda:resultVariable`, or under the operator name).
* `camunda:resultVariable` (+ `camunda:mapDecisionResult`) on a business rule task stores
  the DMN result under that variable, mapped like Camunda does: `singleEntry` (one value),
  `singleResult` (one dict), `collectEntries` (list of values), `resultList` (list of dicts,
  the default). Without a result variable the outputs are merged into the task data.
"""

from __future__ import annotations

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter
from SpiffWorkflow.dmn.specs import BusinessRuleTaskMixin

from .juel import JuelError, is_juel, translate_juel
from .parsing import CAMUNDA_NS, NS

MAP_DECISION_RESULTS = ("singleEntry", "singleResult", "collectEntries", "resultList")


class CamundaParamError(ValueError):
    """An input parameter cannot be turned into a safe expression."""


def _c(tag: str) -> str:
    return f"{{{CAMUNDA_NS}}}{tag}"


def _value_expression(node: etree._Element) -> str:
    """Python expression for the content of an inputParameter / list value / map entry."""
    children = [c for c in node if isinstance(c.tag, str)]
    if children:
        child = children[0]
        if child.tag == _c("list"):
            items = [_value_expression(v) for v in child if isinstance(v.tag, str)]
            return "[" + ", ".join(items) + "]"
        if child.tag == _c("map"):
            entries = [
                f"{entry.get('key')!r}: {_value_expression(entry)}"
                for entry in child
                if isinstance(entry.tag, str)
            ]
            return "{" + ", ".join(entries) + "}"
        if child.tag == _c("script"):
            raise CamundaParamError("camunda:script parameters are not supported")
        raise CamundaParamError(f"unsupported parameter content <{etree.QName(child).localname}>")
    text = (node.text or "").strip()
    if not text:
        return "None"
    if is_juel(text):
        try:
            return translate_juel(text)
        except JuelError as exc:
            raise CamundaParamError(f"JUEL {text!r} cannot be translated: {exc}") from None
    if "${" in text or "#{" in text:
        raise CamundaParamError(f"mixed text and expressions are not supported: {text!r}")
    return repr(text)


def _parameters(task_node: etree._Element, kind: str) -> dict[str, str]:
    """name -> Python expression for every camunda:<kind> of a task, in document order."""
    return {
        param.get("name"): _value_expression(param)
        for param in task_node.iterfind(
            f"bpmn:extensionElements/camunda:inputOutput/camunda:{kind}", NS
        )
    }


def input_parameters(task_node: etree._Element) -> dict[str, str]:
    """name -> Python expression for every camunda:inputParameter of a task."""
    return _parameters(task_node, "inputParameter")


def output_parameters(task_node: etree._Element) -> dict[str, str]:
    """name -> Python expression for every camunda:outputParameter of a task, in order."""
    return _parameters(task_node, "outputParameter")


def has_input_output(task_node: etree._Element) -> bool:
    """True when the element carries a camunda:inputOutput extension."""
    return task_node.find("bpmn:extensionElements/camunda:inputOutput", NS) is not None


def map_decision_result(mapping: str, outputs: list[dict]):
    """Shape matched-rule outputs the way Camunda's mapDecisionResult does."""
    if mapping == "singleEntry":
        if len(outputs) > 1 or any(len(o) > 1 for o in outputs):
            raise ValueError("singleEntry needs at most one matching rule with one output")
        return next(iter(outputs[0].values()), None) if outputs else None
    if mapping == "singleResult":
        if len(outputs) > 1:
            raise ValueError("singleResult needs at most one matching rule")
        return outputs[0] if outputs else None
    if mapping == "collectEntries":
        if any(len(o) > 1 for o in outputs):
            raise ValueError("collectEntries needs decisions with one output")
        return [next(iter(o.values()), None) for o in outputs]
    return outputs


class ResultVariableBusinessRuleTask(BusinessRuleTask):
    """Camunda business rule task honouring camunda:resultVariable / mapDecisionResult."""

    def __init__(
        self, wf_spec, name, dmnEngine, result_variable=None, map_decision_result=None, **kwargs
    ):
        super().__init__(wf_spec, name, dmnEngine, **kwargs)
        self.result_variable = result_variable or None
        self.map_decision_result = map_decision_result or "resultList"

    def _run_hook(self, my_task):
        if not self.result_variable:
            return super()._run_hook(my_task)
        try:
            engine = self.dmnEngine
            if hasattr(engine, "matched_outputs"):  # evaluates required decisions first
                outputs = engine.matched_outputs(my_task)
            else:
                outputs = [dict(rule.output_as_dict(my_task)) for rule in engine.decide(my_task)]
            my_task.data[self.result_variable] = map_decision_result(
                self.map_decision_result, outputs
            )
        except WorkflowTaskException:
            raise
        except Exception as exc:  # noqa: BLE001 - reported with the task
            raise WorkflowTaskException(str(exc), task=my_task) from exc
        return super(BusinessRuleTaskMixin, self)._run_hook(my_task)


class ResultVariableBusinessRuleTaskConverter(BaseBusinessRuleTaskConverter):
    """Serializer converter keeping the result variable and its mapping."""

    def to_dict(self, spec):
        """Default business-rule-task dict plus result_variable / map_decision_result."""
        dct = super().to_dict(spec)
        dct["result_variable"] = spec.result_variable
        dct["map_decision_result"] = spec.map_decision_result
        return dct
