"""Where a message or signal sent to a running instance is awaited, and its definition.

A plain catch event, receive task or boundary event waits with its own event definition; an
event-based gateway waits with a MultipleEventDefinition holding its branches' definitions;
the start event of an event subprocess waits without a waiting task at all. The library
matches an event by definition class *and* name (a spiff-flavoured definition does not catch
a plain one), so the definition to send is found here, in what the instance waits for or,
failing that, in the start events of its (sub)process specs.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent


def _flatten(definition):
    return getattr(definition, "event_definitions", None) or [definition]


def waiting_definitions(workflow):
    """Event definitions the instance's waiting tasks wait for (gateway branches included)."""
    for task in workflow.event_manager.tasks.values():
        yield from _flatten(getattr(task.task_spec, "event_definition", None))


def start_definitions(specs):
    """Event definitions of the start events of the given process specs."""
    for process_spec in specs:
        for task_spec in process_spec.task_specs.values():
            if isinstance(task_spec, StartEvent):
                yield from _flatten(getattr(task_spec, "event_definition", None))


def find_definition(workflow, specs, kind: type, name: str):
    """The definition of class `kind` named `name` the instance could catch, or None."""
    for definitions in (waiting_definitions(workflow), start_definitions(specs)):
        for definition in definitions:
            if isinstance(definition, kind) and definition.name == name:
                return definition
    return None


def waiting_names(workflow, kind: type) -> list[str]:
    """Names of the `kind` events the instance currently waits for (no duplicates)."""
    names: list[str] = []
    for definition in waiting_definitions(workflow):
        if isinstance(definition, kind) and definition.name not in names:
            names.append(definition.name)
    return names
