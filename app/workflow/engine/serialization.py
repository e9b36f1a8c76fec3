"""Spec JSON (stored once per process version) and instance state JSON (without the spec).

`encode_spec` turns a parsed spec (+ subprocess specs + metadata read from the XML) into a
JSON string; `load_spec` turns it back, cached by its text so that loading an instance
does not deserialize the spec again. `dump_state` writes a workflow WITHOUT its spec;
`load_state` rebuilds it around the cached spec objects.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG as CAMUNDA_CONFIG
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask as CamundaRuleTask
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG as SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import BusinessRuleTaskConverter as SpiffRuleConverter
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask as SpiffRuleTask

from .camunda import ResultVariableBusinessRuleTask, ResultVariableBusinessRuleTaskConverter
from .camunda_io import CamundaIoConverterMixin
from .dmn_chain import ChainedDecisionConverterMixin
from .specs import IO_VARIANTS, OperatorServiceTask

SPEC_FORMAT = 1
SPEC_CACHE_SIZE = 64


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Workflow converter that leaves the specs out; they are supplied on restore."""

    def to_dict(self, workflow):
        """The instance state only: tasks, data, subprocesses, events."""
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        """Rebuild a workflow; `dct` carries the already restored spec objects."""
        spec = dct.pop("spec")
        subprocess_specs = dct.pop("subprocess_specs", {})
        if isinstance(spec, dict):  # a full (library-format) serialization
            spec = self.registry.restore(spec)
            subprocess_specs = self.mapping_from_dict(subprocess_specs)
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        from uuid import UUID

        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _chained(converter: type) -> type:
    """The business-rule-task converter that also stores required decisions."""
    return type(f"Chained{converter.__name__}", (ChainedDecisionConverterMixin, converter), {})


def _make_serializer(config: dict) -> BpmnWorkflowSerializer:
    config = dict(config)
    config[OperatorServiceTask] = ServiceTaskConverter
    config[ResultVariableBusinessRuleTask] = _chained(ResultVariableBusinessRuleTaskConverter)
    if SpiffRuleTask in config:
        config[SpiffRuleTask] = _chained(SpiffRuleConverter)
    if CamundaRuleTask in config:
        config[CamundaRuleTask] = _chained(BaseBusinessRuleTaskConverter)
    for base, variant in IO_VARIANTS.items():  # camunda:inputOutput variants of task specs
        if base in config:
            config[variant] = type(
                f"Io{config[base].__name__}", (CamundaIoConverterMixin, config[base]), {}
            )
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


SERIALIZERS = {"spiff": _make_serializer(SPIFF_CONFIG), "camunda": _make_serializer(CAMUNDA_CONFIG)}


@dataclass
class LoadedSpec:
    """A deserialized spec with its flavour and metadata (shared by every instance)."""

    flavour: str
    process_id: str
    spec: object
    subprocess_specs: dict
    meta: dict


def encode_spec(flavour: str, process_id: str, spec, subprocess_specs: dict, meta: dict) -> str:
    """JSON for a deployed version: flavour, spec, subprocess specs, metadata."""
    registry = SERIALIZERS[flavour].registry
    return json.dumps(
        {
            "format": SPEC_FORMAT,
            "flavour": flavour,
            "process_id": process_id,
            "spec": registry.convert(spec),
            "subprocess_specs": {name: registry.convert(s) for name, s in subprocess_specs.items()},
            "meta": meta,
        },
        sort_keys=True,
        ensure_ascii=False,
    )


_cache: OrderedDict[str, LoadedSpec] = OrderedDict()
_cache_lock = threading.Lock()


def load_spec(spec_json: str) -> LoadedSpec:
    """Deserialize spec JSON, cached by its text (LRU of SPEC_CACHE_SIZE versions)."""
    with _cache_lock:
        hit = _cache.get(spec_json)
        if hit is not None:
            _cache.move_to_end(spec_json)
            return hit
    dct = json.loads(spec_json)
    if dct.get("format") != SPEC_FORMAT:
        raise ValueError(f"unsupported spec format {dct.get('format')!r}")
    registry = SERIALIZERS[dct["flavour"]].registry
    loaded = LoadedSpec(
        flavour=dct["flavour"],
        process_id=dct["process_id"],
        spec=registry.restore(dct["spec"]),
        subprocess_specs={name: registry.restore(s) for name, s in dct["subprocess_specs"].items()},
        meta=dct.get("meta", {}),
    )
    with _cache_lock:
        _cache[spec_json] = loaded
        while len(_cache) > SPEC_CACHE_SIZE:
            _cache.popitem(last=False)
    return loaded


def dump_state(loaded: LoadedSpec, workflow: BpmnWorkflow) -> str:
    """Instance state as JSON, without the spec."""
    return SERIALIZERS[loaded.flavour].serialize_json(workflow)


def load_state(loaded: LoadedSpec, state_json: str) -> BpmnWorkflow:
    """Rebuild a workflow from its state JSON around the cached spec objects."""
    serializer = SERIALIZERS[loaded.flavour]
    dct = json.loads(state_json)
    serializer.migrate(dct)
    dct["spec"] = loaded.spec
    dct["subprocess_specs"] = loaded.subprocess_specs
    return serializer.from_dict(dct)
