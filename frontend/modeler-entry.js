// The administrators' BPMN modeler as one file served from app/static/vendor (no CDN on
// government intranets): bpmn-js with the properties panel and OneWindow's own group, and
// the moddle descriptor of the spiffworkflow: attributes the product's diagrams carry.
// Built by `make frontend` (esbuild, IIFE) into app/static/vendor/onewindow-modeler/;
// app/static/js/modeler.js uses it as window.OneWindowModeler.
import Modeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import OneWindowPropertiesModule from "./onewindow-properties.js";
import spiffworkflow from "./spiffworkflow-moddle.json";

export {
  Modeler,
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  OneWindowPropertiesModule,
  spiffworkflow,
};
