// The GOV.UK error pattern: a refused form's error summary takes the focus when the page
// opens (a screen reader reads it, a keyboard user starts there), and each of its links
// moves the focus to its field (its first choice for a group of radios), the field's label
// scrolled into view with it.
(function () {
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  // A page opened at an anchor (the skip link's #main kept in the address after a refused
  // submit) would take the focus back to that anchor: the summary keeps it.
  window.addEventListener("load", function () {
    if (location.hash) summary.focus();
  });
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    var input = target.matches("input, select, textarea") ? target
      : target.querySelector("input, select, textarea");
    if (!input) return;
    event.preventDefault();
    var label = document.querySelector("label[for='" + input.id + "']") ||
      document.getElementById(target.id + "-label");
    (label || input).scrollIntoView();
    input.focus({ preventScroll: true });
  });
})();
