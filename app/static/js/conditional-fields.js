// Conditional form fields: a field wrapper with data-show-when-field / data-show-when-values
// (a JSON list) is shown only while the named field has one of those values (the server drops a hidden field's
// value and does not require it: app/services/forms.py). Applies on load, on every change,
// and when a preview is redrawn (the "ow:rendered" event on the redrawn container).
(function () {
  "use strict";

  function valueOf(scope, name) {
    var inputs = scope.querySelectorAll('[name="' + CSS.escape(name) + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if (el.type === "radio") { if (el.checked) return el.value; continue; }
      if (el.type === "checkbox") return el.checked ? "true" : "false";
      return el.value;
    }
    return "";
  }

  function apply(scope) {
    var form = scope.closest ? (scope.closest("form") || scope) : scope;
    scope.querySelectorAll("[data-show-when-field]").forEach(function (box) {
      var own = box.closest("form") || form;
      var wanted = JSON.parse(box.dataset.showWhenValues || "[]");
      var shown = wanted.indexOf(String(valueOf(own, box.dataset.showWhenField)).toLowerCase()) >= 0;
      box.hidden = !shown;
      box.querySelectorAll("input, select, textarea").forEach(function (el) {
        el.disabled = !shown;
      });
    });
  }

  document.addEventListener("change", function (ev) { apply(ev.target.form || document); });
  document.addEventListener("input", function (ev) { apply(ev.target.form || document); });
  document.addEventListener("ow:rendered", function (ev) { apply(ev.target); });
  document.addEventListener("DOMContentLoaded", function () { apply(document); });
})();
