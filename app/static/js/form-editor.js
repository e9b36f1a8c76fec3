// The service editor's form editor: edits the form JSON (textarea#form-json, which is what
// is submitted) as sections of fields, and redraws the live preview through the server
// (POST data-preview-url -> {html, problems}), so the preview is the portal's own macro.
(function () {
  "use strict";
  var root = document.getElementById("form-editor");
  var area = document.getElementById("form-json");
  if (!root || !area) return;
  var preview = document.getElementById("form-preview");
  var problemList = document.getElementById("form-problems");
  var t = root.dataset;
  var types = JSON.parse(t.fieldTypes); // {type name: what it is called, translated}
  var csrf = area.form.querySelector('input[name="csrf_token"]').value;
  var form;
  var flat = false; // a task form: one list of fields, no sections
  var timer = null;

  function parse() {
    try { form = JSON.parse(area.value); } catch (e) { form = null; }
    flat = !!form && Array.isArray(form.fields) && !form.sections;
    if (flat) {
      form.sections = [{title: form.title || {zh: "", en: ""}, fields: form.fields}];
      delete form.fields;
    }
    if (!form || !Array.isArray(form.sections)) form = {kind: "application", sections: []};
    if (!form.sections.length) form.sections.push({title: {zh: "", en: ""}, fields: []});
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  function input(label, value, onInput, extra) {
    var box = el("div", {"class": "col-md-6"});
    var id = "fe-" + Math.random().toString(36).slice(2);
    box.appendChild(el("label", {"class": "form-label small mb-0", "for": id, text: label}));
    var inp = el("input", Object.assign({"class": "form-control form-control-sm", id: id}, extra || {}));
    inp.value = value == null ? "" : value;
    inp.addEventListener("input", function () { onInput(inp.value); save(); });
    box.appendChild(inp);
    return box;
  }

  function button(label, onClick, cls) {
    var b = el("button", {type: "button", "class": "btn btn-sm " + (cls || "btn-outline-secondary"), text: label});
    b.addEventListener("click", function () { onClick(); save(); draw(); });
    return b;
  }

  function num(v) { return v === "" || isNaN(Number(v)) ? undefined : Number(v); }

  function setOpt(f, key, v) { if (v === undefined || v === "") delete f[key]; else f[key] = v; }

  function earlierNames(si, fi) {
    var names = [];
    form.sections.forEach(function (s, i) {
      s.fields.forEach(function (f, j) { if (i < si || (i === si && j < fi)) names.push(f.name); });
    });
    return names;
  }

  function fieldCard(s, si, f, fi) {
    f.label = f.label || {zh: "", en: ""};
    var card = el("div", {"class": "border rounded p-2 mb-2 bg-white", "data-field": f.name || ""});
    var row = el("div", {"class": "row g-2"});
    row.appendChild(input(t.tName, f.name, function (v) { f.name = v.trim(); }, {"data-role": "name"}));
    var typeBox = el("div", {"class": "col-md-6"});
    var typeId = "fe-type-" + si + "-" + fi;
    typeBox.appendChild(el("label", {"class": "form-label small mb-0", "for": typeId, text: t.tType}));
    var sel = el("select", {"class": "form-select form-select-sm", id: typeId, "data-role": "type"});
    Object.keys(types).forEach(function (ty) { sel.appendChild(el("option", {value: ty, text: types[ty]})); });
    sel.value = f.type || "text";
    sel.addEventListener("change", function () { f.type = sel.value; save(); draw(); });
    typeBox.appendChild(sel);
    row.appendChild(typeBox);
    row.appendChild(input(t.tLabelZh, f.label.zh, function (v) { f.label.zh = v; }, {"data-role": "label-zh"}));
    row.appendChild(input(t.tLabelEn, f.label.en, function (v) { f.label.en = v; }, {"data-role": "label-en"}));
    var help = f.help || {};
    row.appendChild(input(t.tHelpZh, help.zh, function (v) { f.help = Object.assign(f.help || {}, {zh: v}); }));
    row.appendChild(input(t.tHelpEn, help.en, function (v) { f.help = Object.assign(f.help || {}, {en: v}); }));
    var kind = f.type || "text";
    if (kind === "number") {
      row.appendChild(input(t.tMin, f.min, function (v) { setOpt(f, "min", num(v)); }));
      row.appendChild(input(t.tMax, f.max, function (v) { setOpt(f, "max", num(v)); }));
    }
    if (kind === "text" || kind === "textarea") {
      row.appendChild(input(t.tMaxLength, f.max_length, function (v) { setOpt(f, "max_length", num(v)); }));
    }
    if (kind === "text") {
      row.appendChild(input(t.tPattern, f.pattern, function (v) { setOpt(f, "pattern", v); }));
    }
    if (kind === "select") {
      var optBox = el("div", {"class": "col-12"});
      var optId = "fe-opt-" + si + "-" + fi;
      optBox.appendChild(el("label", {"class": "form-label small mb-0", "for": optId, text: t.tOptions}));
      var ta = el("textarea", {"class": "form-control form-control-sm", rows: "3", id: optId, "data-role": "options"});
      ta.value = (f.options || []).map(function (o) {
        return [o.value, (o.label || {}).zh || "", (o.label || {}).en || ""].join("|");
      }).join("\n");
      ta.addEventListener("input", function () {
        f.options = ta.value.split("\n").filter(function (l) { return l.trim(); }).map(function (l) {
          var p = l.split("|");
          return {value: p[0].trim(), label: {zh: (p[1] || p[0]).trim(), en: (p[2] || p[1] || p[0]).trim()}};
        });
        save();
      });
      optBox.appendChild(ta);
      row.appendChild(optBox);
    }
    var showBox = el("div", {"class": "col-md-6"});
    var showId = "fe-show-" + si + "-" + fi;
    showBox.appendChild(el("label", {"class": "form-label small mb-0", "for": showId, text: t.tShowField}));
    var showSel = el("select", {"class": "form-select form-select-sm", id: showId, "data-role": "show-field"});
    showSel.appendChild(el("option", {value: "", text: "—"}));
    earlierNames(si, fi).forEach(function (n) { showSel.appendChild(el("option", {value: n, text: n})); });
    showSel.value = (f.show_when || {}).field || "";
    showSel.addEventListener("change", function () {
      if (showSel.value) f.show_when = {field: showSel.value, equals: (f.show_when || {}).equals || ""};
      else delete f.show_when;
      save(); draw();
    });
    showBox.appendChild(showSel);
    row.appendChild(showBox);
    if (f.show_when) {
      row.appendChild(input(t.tShowEquals, f.show_when.equals, function (v) { f.show_when.equals = v; },
                            {"data-role": "show-equals"}));
    }
    card.appendChild(row);
    var req = el("input", {type: "checkbox", "class": "form-check-input", id: "fe-req-" + si + "-" + fi, "data-role": "required"});
    req.checked = !!f.required;
    req.addEventListener("change", function () { f.required = req.checked; save(); });
    var bar = el("div", {"class": "d-flex flex-wrap gap-2 align-items-center mt-2"}, [
      el("div", {"class": "form-check mb-0"}, [req, el("label", {"class": "form-check-label small", "for": req.id, text: t.tRequired})]),
      button(t.tUp, function () { move(s.fields, fi, -1); }),
      button(t.tDown, function () { move(s.fields, fi, 1); }),
      button(t.tRemove, function () { s.fields.splice(fi, 1); }, "btn-outline-danger")
    ]);
    card.appendChild(bar);
    return card;
  }

  function move(list, i, d) {
    var j = i + d;
    if (j < 0 || j >= list.length) return;
    var x = list[i]; list[i] = list[j]; list[j] = x;
  }

  function stepsSwitch() {
    // an application form with several sections may ask them one page at a time
    var id = "fe-steps";
    var box = el("div", {"class": "form-check mb-2"});
    var box_input = el("input", {"class": "form-check-input", type: "checkbox", id: id});
    box_input.checked = !!form.steps;
    box_input.addEventListener("change", function () {
      if (box_input.checked) form.steps = true; else delete form.steps;
      save();
    });
    box.appendChild(box_input);
    box.appendChild(el("label", {"class": "form-check-label", "for": id, text: t.tSteps}));
    return box;
  }

  function draw() {
    root.textContent = "";
    if (!flat) root.appendChild(stepsSwitch());
    form.sections.forEach(function (s, si) {
      s.title = s.title || {zh: "", en: ""};
      var box = el("div", {"class": "border rounded p-2 mb-3", "data-section": String(si)});
      var head = el("div", {"class": "row g-2 mb-2"});
      head.appendChild(input(t.tSection + " (zh)", s.title.zh, function (v) { s.title.zh = v; }));
      head.appendChild(input(t.tSection + " (en)", s.title.en, function (v) { s.title.en = v; }));
      box.appendChild(head);
      s.fields.forEach(function (f, fi) { box.appendChild(fieldCard(s, si, f, fi)); });
      box.appendChild(button(t.tAddField, function () {
        var n = 1;
        var names = earlierNames(form.sections.length, 0);
        while (names.indexOf("field_" + n) >= 0) n++;
        s.fields.push({name: "field_" + n, type: "text", required: false, label: {zh: "", en: ""}});
      }, "btn-outline-primary add-field"));
      root.appendChild(box);
    });
    if (flat) return;
    root.appendChild(button(t.tAddSection, function () {
      form.sections.push({title: {zh: "", en: ""}, fields: []});
    }));
  }

  function output() {
    if (!flat) return form;
    var out = Object.assign({}, form, {title: form.sections[0].title, fields: form.sections[0].fields});
    delete out.sections;
    return out;
  }

  function save() {
    area.value = JSON.stringify(output(), null, 1);
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  function refresh() {
    fetch(t.previewUrl, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify({form: output()})
    }).then(function (r) { return r.json(); }).then(function (body) {
      preview.innerHTML = body.html;
      problemList.textContent = "";
      body.problems.forEach(function (p) { problemList.appendChild(el("li", {text: p})); });
      preview.dispatchEvent(new CustomEvent("ow:rendered", {bubbles: true}));
    });
  }

  area.addEventListener("change", function () { parse(); draw(); save(); });
  parse();
  draw();
  refresh();
})();
