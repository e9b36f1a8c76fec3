// Prevent double submission: disable the submit button once the form is sent.
// Applies to #submit-form (its #submit-button) and to every form marked data-submit-once.
(function () {
  var form = document.getElementById("submit-form");
  if (form) {
    form.addEventListener("submit", function () {
      var btn = document.getElementById("submit-button");
      if (btn) { btn.disabled = true; }
    });
  }
  document.querySelectorAll("form[data-submit-once]").forEach(function (f) {
    f.addEventListener("submit", function () {
      f.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
        b.disabled = true;
      });
    });
  });
})();
