// Intake form: show the part of "当事人" that was chosen, and the risk factors for a violence case.
(function () {
  "use strict";
  var form = document.getElementById("case-form");
  if (!form) { return; }
  function who() {
    var checked = form.querySelector("input[name=who]:checked");
    var value = checked ? checked.value : "registered";
    form.querySelectorAll("[data-who]").forEach(function (el) {
      el.classList.toggle("d-none", el.getAttribute("data-who") !== value);
    });
  }
  function kind() {
    var select = form.querySelector("select[name=kind]");
    var violence = select && select.value === "violence";
    form.querySelectorAll("[data-violence]").forEach(function (el) { el.classList.toggle("d-none", !violence); });
    var category = form.querySelector("select[name=category]");
    if (category) { category.disabled = violence; }
  }
  form.addEventListener("change", function (e) {
    if (e.target.name === "who") { who(); }
    if (e.target.name === "kind") { kind(); }
  });
  who();
  kind();
})();
