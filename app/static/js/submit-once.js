// Prevent double submission: disable the submit button once the form is sent.
(function () {
  var form = document.getElementById("submit-form");
  if (!form) return;
  form.addEventListener("submit", function () {
    var btn = document.getElementById("submit-button");
    if (btn) { btn.disabled = true; }
  });
})();
