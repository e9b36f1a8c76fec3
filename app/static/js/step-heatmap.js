// The per-step heatmap: each step of the diagram coloured by its heat level (0–3), with an
// overlay giving the cases waiting now, the mean and p90 working days, and the late share.
(function () {
  var el = document.getElementById("canvas");
  var steps = JSON.parse(document.getElementById("heatmap-data").textContent);
  var labels = JSON.parse(el.dataset.labels || "{}");
  var viewer = new BpmnJS({container: el});
  function fmt(v) { return v === null || v === undefined ? "—" : v.toFixed(1); }
  viewer.importXML(JSON.parse(document.getElementById("diagram-xml").textContent)).then(function () {
    var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays"), count = 0;
    steps.forEach(function (s) {
      if (!registry.get(s.element_id)) { return; }
      canvas.addMarker(s.element_id, "ow-heat-" + s.level);
      var box = document.createElement("div");
      box.className = "ow-heat-overlay ow-heat-overlay-" + s.level;
      box.setAttribute("data-step", s.element_id);
      var late = s.overdue_share === null ? "—" : Math.round(s.overdue_share * 100) + "%";
      box.textContent = labels.waiting + " " + s.waiting + " · " + labels.mean + " " + fmt(s.mean_days) +
        labels.days + " · " + labels.p90 + " " + fmt(s.p90_days) + labels.days + " · " + labels.late + " " + late;
      overlays.add(s.element_id, "heat", {position: {bottom: -4, left: 0}, html: box});
      count += 1;
    });
    canvas.zoom("fit-viewport");
    el.setAttribute("data-overlays", String(count));
    el.setAttribute("data-ready", "1");
  });
})();
