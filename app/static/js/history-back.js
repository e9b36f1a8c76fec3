// "Go back" links (data-history-back): return to the previous page. The CSP allows no
// javascript: URLs, so the link's own href (the home page) is the fallback.
(function () {
  "use strict";
  document.querySelectorAll("a[data-history-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1) {
        event.preventDefault();
        window.history.back();
      }
    });
  });
})();
