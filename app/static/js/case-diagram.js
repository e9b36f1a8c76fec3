// A running case's diagram: where it waits (blue) and what it has done (green).
(function () {
  var el = document.getElementById("canvas");
  var viewer = new BpmnJS({container: el});
  viewer.importXML(JSON.parse(document.getElementById("diagram-xml").textContent)).then(function () {
    var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
    JSON.parse(el.dataset.completed || "[]").forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, "ow-done"); });
    JSON.parse(el.dataset.active || "[]").forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, "ow-active"); });
    canvas.zoom("fit-viewport");
    // The diagram's labels are the process's own names, as its authors wrote them.
    el.querySelectorAll("svg, .bjs-powered-by").forEach(function (node) {
      node.setAttribute("translate", "no");
    });
    el.setAttribute("data-ready", "1");
  });
})();
