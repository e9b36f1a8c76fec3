/* Conditional form fields (`show_when` in a form schema): a field wrapped in
   [data-show-when="<other field>"][data-show-values='[...]'] is shown only while the other
   field has one of those values. The server applies the same rule when it validates
   (app/services/forms.py): a hidden field is neither required nor kept. */
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form) { return; }
  var items = form.querySelectorAll("[data-show-when]");
  if (!items.length) { return; }

  function currentValue(name) {
    var inputs = form.querySelectorAll("[name='" + name + "']");
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if ((el.type === "radio" || el.type === "checkbox")) {
        if (el.checked) { return el.value; }
      } else {
        return el.value;
      }
    }
    return "";
  }

  function update() {
    items.forEach(function (item) {
      var wanted = JSON.parse(item.getAttribute("data-show-values") || "[]").map(String);
      item.hidden = wanted.indexOf(currentValue(item.getAttribute("data-show-when"))) < 0;
    });
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
