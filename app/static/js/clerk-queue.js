// Clerk queue: "select all" ticks every open task of the page for a bulk claim, and the
// bulk-claim button is usable only while at least one task is ticked.
(function () {
  var form = document.getElementById("bulk-claim");
  if (!form) return;
  var all = document.getElementById("select-all");
  var button = document.getElementById("bulk-claim-button");
  function boxes() { return form.querySelectorAll(".ow-task-select"); }
  function refresh() {
    var list = boxes(), ticked = 0;
    list.forEach(function (box) { if (box.checked) ticked += 1; });
    button.disabled = ticked === 0;
    if (all) {
      all.checked = list.length > 0 && ticked === list.length;
      all.indeterminate = ticked > 0 && ticked < list.length;
      all.disabled = list.length === 0;
    }
  }
  if (all) {
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
      refresh();
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.classList.contains("ow-task-select")) refresh();
  });
  refresh();
})();
