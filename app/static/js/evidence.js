// Clerk view: draw where the auto-review read each extracted field and found each problem,
// over the document's previews (one holder per page: the first, and a PDF's next pages,
// shown only when something was read on them). Green boxes: fields read (and their checks
// passed); red boxes: findings and fields whose check failed. Hovering or focusing a field's
// row or a finding highlights its boxes; a box on a page with no preview (beyond the pages
// previewed, or whose preview could not be made) is listed under the image as "page N".
(function () {
  function parse(holder, name, fallback) {
    try { return JSON.parse(holder.getAttribute(name) || fallback); } catch (e) { return JSON.parse(fallback); }
  }
  document.querySelectorAll(".ow-evidence").forEach(function (holder) {
    var img = holder.querySelector("img");
    var scope = holder.closest(".attachment") || document;
    var here = Number(holder.getAttribute("data-page") || 0);
    var viewer = holder.parentElement;
    function shownPages() {  // the pages whose preview holder is there and drawn
      var out = {};
      viewer.querySelectorAll(".ow-evidence").forEach(function (h) {
        var im = h.querySelector("img");
        if (!h.hidden && !h.dataset.broken && im) out[Number(h.getAttribute("data-page") || 0)] = true;
      });
      return out;
    }
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
    var elsewhere = viewer.querySelector(".ow-evidence-elsewhere");
    if (here > 0) {  // a later page is shown only when something was read on it
      holder.hidden = !marks.some(function (m) { return m.page === here; });
      img.addEventListener("error", function () {  // no preview of that page: say so under the first
        holder.dataset.broken = "1";
        holder.hidden = true;
        window.dispatchEvent(new Event("resize"));
      });
    }
    function noteElsewhere() {
      if (!elsewhere || here !== 0) return;
      var shown = shownPages(), later = {};
      marks.forEach(function (m) { if (!shown[m.page]) later[m.page + 1] = true; });
      var numbers = Object.keys(later);
      elsewhere.hidden = !numbers.length;
      elsewhere.querySelector("span").textContent = numbers.join(", ");
    }
    function draw() {
      holder.querySelectorAll(".ow-box").forEach(function (b) { b.remove(); });
      noteElsewhere();
      var page = pages[here];
      if (holder.hidden || !page || !page.width || !img.clientWidth) return;
      var sx = img.clientWidth / page.width, sy = img.clientHeight / page.height;
      var ox = img.offsetLeft, oy = img.offsetTop;  // below a later page's "page N" label
      marks.forEach(function (m) {
        if (m.page !== here) return;
        var box = document.createElement("div");
        box.className = "ow-box" + (m.bad ? "" : " ok");
        box.setAttribute("data-evidence", m.key);
        box.style.left = (ox + m.box[0] * sx) + "px";
        box.style.top = (oy + m.box[1] * sy) + "px";
        box.style.width = (m.box[2] * sx) + "px";
        box.style.height = (m.box[3] * sy) + "px";
        holder.appendChild(box);
      });
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
  // every page's holder now knows whether it is shown: draw all again with that known
  window.dispatchEvent(new Event("resize"));
})();
