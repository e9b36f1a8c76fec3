// Clerk view: draw the auto-review's evidence boxes over each document preview.
(function () {
  document.querySelectorAll(".ow-evidence").forEach(function (holder) {
    var img = holder.querySelector("img");
    var pages = JSON.parse(holder.getAttribute("data-pages") || "[]");
    var reasons = JSON.parse(holder.getAttribute("data-reasons") || "[]");
    function draw() {
      var page = pages[0];
      if (!page || !page.width) return;
      var sx = img.clientWidth / page.width, sy = img.clientHeight / page.height;
      reasons.forEach(function (reason) {
        var ev = reason.evidence || {};
        if (!ev.box || (ev.page || 0) !== 0) return;
        var box = document.createElement("div");
        box.className = "ow-box";
        box.title = reason.code + (ev.text ? ": " + ev.text : "");
        box.style.left = (ev.box[0] * sx) + "px";
        box.style.top = (ev.box[1] * sy) + "px";
        box.style.width = (ev.box[2] * sx) + "px";
        box.style.height = (ev.box[3] * sy) + "px";
        holder.appendChild(box);
      });
    }
    if (img.complete) draw(); else img.addEventListener("load", draw);
  });
})();
