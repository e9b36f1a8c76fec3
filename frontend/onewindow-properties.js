// The "OneWindow" group of the modeler's properties panel: the attributes OneWindow's deploy
// check reads (app/workflow/engine/model_info.py), edited as choices instead of typed XML.
//   lane            -> its name is a department code (or the applicant's lane)
//   user task       -> spiffworkflow:properties/property[name=formKey]: the task form
//   service task    -> spiffworkflow:serviceTaskOperator/@id: the operator
//   flow leaving a gateway -> bpmn:conditionExpression (Python)
//   timer event     -> bpmn:timeDuration (ISO 8601 duration, e.g. P5D)
// The choices come from the page (config.onewindow); a value the diagram already holds that
// is not among them stays selectable, marked unknown, so opening the panel changes nothing.
import {
  Group,
  SelectEntry,
  TextFieldEntry,
  isSelectEntryEdited,
  isTextFieldEntryEdited,
} from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

const FORM_KEY = "formKey";

function choicesWith(current, options, translate) {
  const list = [{ value: "", label: translate("(choose)") }].concat(options);
  if (current && !options.some((o) => o.value === current)) {
    list.push({ value: current, label: current + " — " + translate("unknown") });
  }
  return list;
}

function extensionValues(bo) {
  const ext = bo.get("extensionElements");
  return ext ? ext.get("values") : [];
}

function findExtension(bo, type) {
  return extensionValues(bo).find((v) => is(v, type));
}

// Commands that give `bo` an extension element of `type` (created with `attrs` when missing);
// returns [commands, the extension element].
function ensureExtension(element, bo, type, attrs, bpmnFactory) {
  const commands = [];
  let ext = bo.get("extensionElements");
  if (!ext) {
    ext = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
    ext.$parent = bo;
    commands.push({
      cmd: "element.updateModdleProperties",
      context: { element, moddleElement: bo, properties: { extensionElements: ext } },
    });
  }
  let found = ext.get("values").find((v) => is(v, type));
  if (!found) {
    found = bpmnFactory.create(type, attrs);
    found.$parent = ext;
    commands.push({
      cmd: "element.updateModdleProperties",
      context: { element, moddleElement: ext, properties: { values: [...ext.get("values"), found] } },
    });
  }
  return [commands, found];
}

// Diagrams made in the Camunda Modeler keep their camunda: attributes (no descriptor: they
// stay as they are, in $attrs); the deploy check reads camunda:formKey before the property,
// and camunda:topic / camunda:type after spiffworkflow:serviceTaskOperator.
function camunda(bo, name) {
  return (bo.$attrs || {})["camunda:" + name];
}

// The form a form key names, as the deploy check reads it (model_info.form_name):
// `embedded:app:forms/x.html`, `x.json` and `x` all name the form `x`.
function formName(key) {
  let name = (key || "").trim().split(":").pop().split("/").pop();
  for (const suffix of [".json", ".html", ".form"]) {
    if (name.endsWith(suffix)) name = name.slice(0, -suffix.length);
  }
  return name;
}

function formKeyProperty(bo) {
  const props = findExtension(bo, "spiffworkflow:Properties");
  return props ? props.get("values").find((p) => p.name === FORM_KEY) : undefined;
}

// A select entry of the OneWindow group, as a properties-panel component:
//   label, description  its words (English; the panel translates them)
//   options(choices, translate)  what the page offers (config.onewindow) as [{value, label}]
//   read(element)  the value the diagram holds ("" for none)
//   write(element, value, services)  set it; services: modeling, bpmnFactory, commandStack
function selectEntry({ label, description, options, read, write }) {
  return function OneWindowSelectEntry(props) {
    const { element, id } = props;
    const translate = useService("translate");
    const services = {
      modeling: useService("modeling"),
      bpmnFactory: useService("bpmnFactory"),
      commandStack: useService("commandStack"),
    };
    const offered = options(useService("config.onewindow", false) || {}, translate);
    const getValue = () => read(element);
    return SelectEntry({
      element,
      id,
      label: translate(label),
      description: translate(description),
      getValue,
      setValue: (value) => write(element, value, services),
      getOptions: () => choicesWith(getValue(), offered, translate),
    });
  };
}

function named(names) {
  return (names || []).map((name) => ({ value: name, label: name }));
}

const DepartmentEntry = selectEntry({
  label: "Department",
  description: "The department whose staff do this lane's tasks.",
  options: (choices, translate) => (choices.departments || []).concat(
    choices.applicant_lane ? [{ value: choices.applicant_lane, label: translate("Applicant") }] : []
  ),
  read: (element) => getBusinessObject(element).name || "",
  write: (element, value, { modeling }) =>
    modeling.updateProperties(element, { name: value || undefined }),
});

const FormEntry = selectEntry({
  label: "Task form",
  description: "The form the department's staff fill in for this task.",
  options: (choices) => named(choices.forms),
  read: (element) => {
    const bo = getBusinessObject(element);
    const prop = formKeyProperty(bo);
    return formName(camunda(bo, "formKey") || (prop && prop.value));
  },
  write: (element, value, { modeling, bpmnFactory, commandStack }) => {
    const bo = getBusinessObject(element);
    if (camunda(bo, "formKey") !== undefined) {  // the attribute the check reads first
      modeling.updateProperties(element, { "camunda:formKey": value || undefined });
      return;
    }
    const existing = formKeyProperty(bo);
    if (!value) {
      if (!existing) return;
      const holder = existing.$parent;
      commandStack.execute("element.updateModdleProperties", {
        element,
        moddleElement: holder,
        properties: { values: holder.get("values").filter((p) => p !== existing) },
      });
      return;
    }
    if (existing) {
      commandStack.execute("element.updateModdleProperties", {
        element,
        moddleElement: existing,
        properties: { value },
      });
      return;
    }
    const [commands, holder] = ensureExtension(
      element, bo, "spiffworkflow:Properties", { values: [] }, bpmnFactory
    );
    const prop = bpmnFactory.create("spiffworkflow:Property", { name: FORM_KEY, value });
    prop.$parent = holder;
    commands.push({
      cmd: "element.updateModdleProperties",
      context: { element, moddleElement: holder, properties: { values: [...holder.get("values"), prop] } },
    });
    commandStack.execute("properties-panel.multi-command-executor", commands);
  },
});

const OperatorEntry = selectEntry({
  label: "Operator",
  description: "What the system does at this step, without a person.",
  options: (choices) => named(choices.operators),
  read: (element) => {
    const bo = getBusinessObject(element);
    const op = findExtension(bo, "spiffworkflow:ServiceTaskOperator");
    if (op) return op.get("id") || "";
    const type = camunda(bo, "type");
    return camunda(bo, "topic") || (type && type !== "external" ? type : "");
  },
  write: (element, value, { bpmnFactory, commandStack }) => {
    const bo = getBusinessObject(element);
    const op = findExtension(bo, "spiffworkflow:ServiceTaskOperator");
    if (op) {
      commandStack.execute("element.updateModdleProperties", {
        element,
        moddleElement: op,
        properties: { id: value || undefined },
      });
      return;
    }
    if (!value) return;
    const [commands] = ensureExtension(
      element, bo, "spiffworkflow:ServiceTaskOperator", { id: value }, bpmnFactory
    );
    commandStack.execute("properties-panel.multi-command-executor", commands);
  },
});

function ConditionEntry(props) {
  const { element, id } = props;
  const translate = useService("translate");
  const bpmnFactory = useService("bpmnFactory");
  const modeling = useService("modeling");
  const debounce = useService("debounceInput");
  return TextFieldEntry({
    element,
    id,
    label: translate("Condition"),
    description: translate("A Python expression over the case's data, e.g. decision == 'approved'."),
    debounce,
    getValue: () => {
      const expression = getBusinessObject(element).get("conditionExpression");
      return (expression && expression.get("body")) || "";
    },
    setValue: (value) => {
      let expression;
      if (value) {
        expression = bpmnFactory.create("bpmn:FormalExpression", { body: value });
      }
      modeling.updateProperties(element, { conditionExpression: expression });
    },
  });
}

function timerDefinition(element) {
  const bo = getBusinessObject(element);
  return (bo.get("eventDefinitions") || []).find((d) => is(d, "bpmn:TimerEventDefinition"));
}

function DurationEntry(props) {
  const { element, id } = props;
  const translate = useService("translate");
  const bpmnFactory = useService("bpmnFactory");
  const commandStack = useService("commandStack");
  const debounce = useService("debounceInput");
  return TextFieldEntry({
    element,
    id,
    label: translate("Duration"),
    description: translate("ISO 8601, e.g. P5D (5 days) or PT2H (2 hours)."),
    debounce,
    getValue: () => {
      const duration = timerDefinition(element).get("timeDuration");
      return (duration && duration.get("body")) || "";
    },
    setValue: (value) => {
      const definition = timerDefinition(element);
      let duration;
      if (value) {
        duration = bpmnFactory.create("bpmn:FormalExpression", { body: value });
        duration.$parent = definition;
      }
      commandStack.execute("element.updateModdleProperties", {
        element,
        moddleElement: definition,
        properties: { timeDuration: duration, timeDate: undefined, timeCycle: undefined },
      });
    },
  });
}

function leavesGateway(element) {
  const source = element.source;
  return is(element, "bpmn:SequenceFlow") && source && is(source, "bpmn:Gateway") &&
    !is(source, "bpmn:ParallelGateway") && !is(source, "bpmn:EventBasedGateway");
}

function entriesFor(element) {
  if (is(element, "bpmn:Lane")) {
    return [{ id: "ow-department", component: DepartmentEntry, isEdited: isSelectEntryEdited }];
  }
  if (is(element, "bpmn:UserTask") || is(element, "bpmn:ManualTask")) {
    return [{ id: "ow-form", component: FormEntry, isEdited: isSelectEntryEdited }];
  }
  if (is(element, "bpmn:ServiceTask")) {
    return [{ id: "ow-operator", component: OperatorEntry, isEdited: isSelectEntryEdited }];
  }
  if (leavesGateway(element)) {
    return [{ id: "ow-condition", component: ConditionEntry, isEdited: isTextFieldEntryEdited }];
  }
  const timer = is(element, "bpmn:Event") && timerDefinition(element);
  if (timer && !timer.get("timeDate") && !timer.get("timeCycle")) {
    return [{ id: "ow-duration", component: DurationEntry, isEdited: isTextFieldEntryEdited }];
  }
  return [];
}

export function OneWindowPropertiesProvider(propertiesPanel, translate) {
  this._translate = translate;
  propertiesPanel.registerProvider(500, this);
}
OneWindowPropertiesProvider.prototype.getGroups = function (element) {
  const translate = this._translate;
  return function (groups) {
    // The groups' own words (toggle, "contains edits") in the page's language too.
    groups.forEach((group) => { group.translate = translate; });
    const entries = entriesFor(element);
    if (entries.length) {
      const group = {
        id: "onewindow", label: translate("OneWindow"), component: Group, entries, translate,
      };
      const general = groups.findIndex((g) => g.id === "general");
      groups.splice(general + 1, 0, group);
    }
    return groups;
  };
};
OneWindowPropertiesProvider.$inject = ["propertiesPanel", "translate"];

export default {
  __init__: ["oneWindowPropertiesProvider"],
  oneWindowPropertiesProvider: ["type", OneWindowPropertiesProvider],
};
