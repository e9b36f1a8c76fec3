// The administrators' BPMN modeler: edit, validate (errors marked on the diagram), deploy.
(function () {
  var canvasEl = document.getElementById("canvas");
  // The modeler's own words (palette, search) in the page's language: the template gives
  // their translations; a word without one stays as bpmn-js wrote it.
  var words = JSON.parse(document.getElementById("modeler-words").textContent);
  function translate(template, replacements) {
    var text = words[template] || template;
    return text.replace(/{([^}]+)}/g, function (_, key) {
      return (replacements || {})[key] !== undefined ? replacements[key] : "{" + key + "}";
    });
  }
  // bpmn-js with the properties panel and OneWindow's group (bundle built from frontend/ by
  // `make frontend`); the choices the group offers come from the page.
  var OW = window.OneWindowModeler;
  var choices = JSON.parse(document.getElementById("modeler-choices").textContent);
  // bpmn-js 18 binds the keyboard to the canvas itself (focused on click); the old
  // `bindTo: document` is refused with a console error on every load.
  var modeler = new OW.Modeler({container: canvasEl, keyboard: {bind: true},
    // OneWindow's group (and the name and id) open from the start: that is what admins edit.
    propertiesPanel: {parent: "#properties-panel",
      layout: {groups: {general: {open: true}, onewindow: {open: true}}}},
    onewindow: choices,
    moddleExtensions: {spiffworkflow: OW.spiffworkflow},
    additionalModules: [OW.BpmnPropertiesPanelModule, OW.BpmnPropertiesProviderModule,
      OW.OneWindowPropertiesModule, {translate: ["value", translate]}]});
  // The panel's header names the selected element as the diagram's authors wrote it (like
  // the canvas labels): not words of the page's language.
  var panelEl = document.getElementById("properties-panel");
  new MutationObserver(function () {
    panelEl.querySelectorAll(".bio-properties-panel-header-label:not([translate])").forEach(
      function (el) { el.setAttribute("translate", "no"); });
  }).observe(panelEl, {childList: true, subtree: true});
  var status = document.getElementById("modeler-status");
  var list = document.getElementById("modeler-issues");
  var live = document.getElementById("live-check");
  var marked = [];
  window.owModeler = modeler;

  function show(kind, text) {
    status.className = "alert alert-" + kind;
    status.textContent = text;
  }
  function clearMarks() {
    var canvas = modeler.get("canvas");
    marked.forEach(function (id) { try { canvas.removeMarker(id, "ow-error"); } catch (e) {} });
    marked = [];
    modeler.get("overlays").remove({type: "ow-issue"});
    list.innerHTML = "";
  }
  function mark(issues) {
    var registry = modeler.get("elementRegistry"), canvas = modeler.get("canvas");
    var overlays = modeler.get("overlays");
    issues.forEach(function (issue) {
      var li = document.createElement("li");
      var element = issue.element_id && registry.get(issue.element_id);
      if (element) {  // the element's id selects it, and the panel shows what to change
        var pick = document.createElement("button");
        pick.type = "button";
        pick.className = "btn btn-link btn-sm p-0 align-baseline ow-issue-element";
        pick.textContent = issue.element_id;
        pick.addEventListener("click", function () {
          modeler.get("selection").select(element);
          modeler.get("canvas").scrollToElement(element);
        });
        li.appendChild(pick);
        li.appendChild(document.createTextNode(": "));
      } else {
        li.appendChild(document.createTextNode((issue.element_id || "—") + ": "));
      }
      li.appendChild(document.createTextNode((issue.hint ? issue.hint + " " : "") +
        issue.code + " — " + issue.message));
      li.setAttribute("data-code", issue.code);
      if (issue.element_id) li.setAttribute("data-element-id", issue.element_id);
      if (issue.severity === "warning") li.className = "text-warning";
      list.appendChild(li);
      if (element) {
        canvas.addMarker(issue.element_id, "ow-error");
        marked.push(issue.element_id);
        var badge = document.createElement("div");
        badge.className = "ow-issue-badge";
        badge.textContent = "!";
        badge.title = issue.message;
        overlays.add(issue.element_id, "ow-issue", {position: {top: -10, right: 10}, html: badge});
      }
    });
  }
  function post(url) {
    return modeler.saveXML({format: true}).then(function (res) {
      return fetch(url, {method: "POST", credentials: "same-origin", body: res.xml,
        headers: {"Content-Type": "application/xml", "X-CSRFToken": canvasEl.dataset.csrf, "Accept": "application/json"}});
    }).then(function (r) { return r.json(); });
  }
  // Check as you edit: the same deploy check as the Validate button (nothing is deployed),
  // half a second after the last change; an answer to an older diagram is dropped.
  var liveTimer = null, liveRound = 0;
  function liveState(state, count) {
    live.setAttribute("data-state", state);
    live.setAttribute("data-count", count || 0);
    var text = live.getAttribute("data-msg-" + state) || "";
    live.textContent = text.replace("{count}", count || 0);
  }
  function liveCheck() {
    var round = ++liveRound;
    liveState("checking");
    post(canvasEl.dataset.validateUrl).then(function (body) {
      if (round !== liveRound) return;
      var issues = body.issues || [];
      clearMarks();
      mark(issues);
      var errors = issues.filter(function (i) { return i.severity !== "warning"; }).length;
      if (errors) liveState("problems", errors);
      else if (issues.length) liveState("warnings", issues.length);
      else liveState("ok");
    }).catch(function () { if (round === liveRound) liveState("error"); });
  }
  modeler.on("commandStack.changed", function (event) {
    if (event.trigger === "clear") return;  // a fresh import: checked once it has loaded
    clearTimeout(liveTimer);
    liveRound++;  // whatever is on its way describes an older diagram
    liveState("checking");
    liveTimer = setTimeout(liveCheck, 500);
  });
  document.getElementById("validate-button").addEventListener("click", function () {
    clearMarks();
    post(canvasEl.dataset.validateUrl).then(function (body) {
      clearMarks();
      mark(body.issues || []);
      show(body.ok ? "success" : "danger", body.ok ? canvasEl.dataset.msgValid : canvasEl.dataset.msgInvalid);
    }).catch(function () { show("danger", canvasEl.dataset.msgError); });
  });
  document.getElementById("deploy-button").addEventListener("click", function () {
    clearMarks();
    post(canvasEl.dataset.deployUrl).then(function (body) {
      clearMarks();
      if (body.ok) {
        var msg = body.created ? canvasEl.dataset.msgDeployed
          : (body.rolled_back ? canvasEl.dataset.msgRolledBack : canvasEl.dataset.msgUnchanged);
        show("success", msg.replace("{version}", body.version));
        status.setAttribute("data-version", body.version);
        mark(body.issues || []);  // warnings: what the deployed version will not apply
      } else {
        mark(body.issues || []);
        show("danger", canvasEl.dataset.msgInvalid);
      }
    }).catch(function () { show("danger", canvasEl.dataset.msgError); });
  });
  // The whole diagram in view, right of the palette (which would hide the lanes' names).
  function fitBesidePalette() {
    var canvas = modeler.get("canvas");
    canvas.zoom("fit-viewport");
    var inner = canvas.viewbox().inner, palette = canvasEl.querySelector(".djs-palette");
    if (!palette || !inner.width || !inner.height) return;
    var left = palette.offsetLeft + palette.offsetWidth + 12, margin = 12;
    var width = canvasEl.clientWidth, height = canvasEl.clientHeight;
    var scale = Math.min((width - left - margin) / inner.width, (height - 2 * margin) / inner.height, 1);
    if (scale <= 0) return;
    canvas.viewbox({x: inner.x - left / scale, y: inner.y - margin / scale,
      width: width / scale, height: height / scale});
  }
  modeler.importXML(JSON.parse(document.getElementById("diagram-xml").textContent)).then(function () {
    fitBesidePalette();
    // The diagram's labels are the process's own names, as its authors wrote them.
    canvasEl.querySelectorAll("svg, .bjs-powered-by").forEach(function (el) {
      el.setAttribute("translate", "no");
    });
    canvasEl.setAttribute("data-ready", "1");
    liveCheck();
  }).catch(function (err) { show("danger", String(err)); });
})();
