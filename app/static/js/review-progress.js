// Materials page: while any upload is still being checked, poll its status and refresh
// the page once every check has finished, so the citizen sees all problems at once.
(function () {
  var script = document.currentScript;
  var url = script && script.getAttribute("data-status-url");
  if (!url || !document.querySelector('[data-status="pending"]')) return;
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (body) {
        var pending = body.files.some(function (f) { return f.status === "pending"; });
        if (!pending) { window.location.reload(); }
        else if (tries < 120) { setTimeout(poll, 1500); }
      })
      .catch(function () { if (tries < 120) setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
