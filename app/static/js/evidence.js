// Clerk view: draw where the auto-review read each extracted field and found each problem,
// over the document's preview. Green boxes: fields read (and their checks passed); red boxes:
// findings and fields whose check failed. Hovering or focusing a field's row or a finding
// highlights its boxes (and the box its row); a box on a page that has no preview (pages
// after the first of a PDF) is listed under the image as "page N" instead.
(function () {
  function parse(holder, name, fallback) {
    try { return JSON.parse(holder.getAttribute(name) || fallback); } catch (e) { return JSON.parse(fallback); }
  }
  document.querySelectorAll(".ow-evidence").forEach(function (holder) {
    var img = holder.querySelector("img");
    var scope = holder.closest(".attachment") || document;
    var pages = parse(holder, "data-pages", "[]");
    var fields = parse(holder, "data-fields", "{}");
    var reasons = parse(holder, "data-reasons", "[]");
    var failed = parse(holder, "data-failed", "[]");
    var marks = [];  // {key, page, box, bad, label}
    Object.keys(fields).forEach(function (key) {
      var f = fields[key];
      if (f && f.box) marks.push({key: "field:" + key, page: f.page || 0, box: f.box,
                                  bad: failed.indexOf(key) >= 0, label: key});
    });
    reasons.forEach(function (reason, i) {
      var ev = reason.evidence || {};
      if (!ev.box) return;
      marks.push({key: reason.field ? "field:" + reason.field : "reason:" + i,
                  page: ev.page || 0, box: ev.box, bad: true, label: reason.code});
    });
    var elsewhere = holder.parentElement.querySelector(".ow-evidence-elsewhere");
    function draw() {
      holder.querySelectorAll(".ow-box").forEach(function (b) { b.remove(); });
      var page = pages[0];
      if (!page || !page.width || !img.clientWidth) return;
      var sx = img.clientWidth / page.width, sy = img.clientHeight / page.height;
      var later = {};
      marks.forEach(function (m) {
        if (m.page !== 0) { later[m.page + 1] = true; return; }
        var box = document.createElement("div");
        box.className = "ow-box" + (m.bad ? "" : " ok");
        box.setAttribute("data-evidence", m.key);
        box.style.left = (m.box[0] * sx) + "px";
        box.style.top = (m.box[1] * sy) + "px";
        box.style.width = (m.box[2] * sx) + "px";
        box.style.height = (m.box[3] * sy) + "px";
        holder.appendChild(box);
      });
      if (elsewhere) {
        var numbers = Object.keys(later);
        elsewhere.hidden = !numbers.length;
        elsewhere.querySelector("span").textContent = numbers.join(", ");
      }
    }
    function highlight(key, on) {
      holder.querySelectorAll(".ow-box").forEach(function (b) {
        if (b.getAttribute("data-evidence") === key) b.classList.toggle("active", on);
      });
    }
    scope.querySelectorAll("[data-evidence]").forEach(function (el) {
      if (holder.contains(el)) return;
      var key = el.getAttribute("data-evidence");
      ["mouseenter", "focusin"].forEach(function (t) {
        el.addEventListener(t, function () { highlight(key, true); el.classList.add("ow-evidence-active"); });
      });
      ["mouseleave", "focusout"].forEach(function (t) {
        el.addEventListener(t, function () { highlight(key, false); el.classList.remove("ow-evidence-active"); });
      });
    });
    if (img.complete) draw(); else img.addEventListener("load", draw);
    window.addEventListener("resize", draw);
  });
})();
