// Prevent double submission of any form marked <form data-submit-once>: the first submit goes
// through and its submit buttons are disabled; a second one (double click, Enter pressed
// again) is ignored. Loaded on every page by base.html (a second copy of this script on a
// page does nothing). The server still refuses a repeat; this only spares the user a
// confusing second answer.
(function () {
  if (window.owSubmitOnce) return;
  window.owSubmitOnce = true;
  var BUTTONS = "button:not([type=button]):not([type=reset]), input[type=submit]";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) return;
    if (event.defaultPrevented) return;  // another script stopped this submit: stay usable
    if (form.getAttribute("data-submitting") === "1") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "1");
    // Disabled after the browser has read the form, so a named submit button still counts.
    window.setTimeout(function () {
      form.querySelectorAll(BUTTONS).forEach(function (btn) { btn.disabled = true; });
    }, 0);
  });

  // Back to a page kept in the browser's cache: its forms may be used again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      form.removeAttribute("data-submitting");
      form.querySelectorAll(BUTTONS).forEach(function (btn) { btn.disabled = false; });
    });
  });
})();
