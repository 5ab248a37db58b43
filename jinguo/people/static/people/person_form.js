// Person form: the children's fields show for persons under 18 (by the ID number or the birth
// date typed); Enter in a person search box searches instead of submitting the form.
(function () {
  "use strict";

  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.matches && e.target.matches("[data-pick-search]")) { e.preventDefault(); }
  });

  var box = document.querySelector("[data-child-fields]");
  if (!box) { return; }
  var birth = document.getElementById("id_birth_date");
  var idNumber = document.getElementById("id_id_number");

  function bornOn() {
    var v = (idNumber && idNumber.value || "").replace(/\s/g, "");
    if (/^\d{17}[\dXx]$/.test(v)) {
      return new Date(+v.substr(6, 4), +v.substr(10, 2) - 1, +v.substr(12, 2));
    }
    if (birth && birth.value) {
      var p = birth.value.split("-");
      return new Date(+p[0], +p[1] - 1, +p[2]);
    }
    return null;
  }

  function update() {
    var born = bornOn();
    if (!born || isNaN(born.getTime())) { return; }
    var today = new Date();
    var age = today.getFullYear() - born.getFullYear();
    if (today.getMonth() < born.getMonth() || (today.getMonth() === born.getMonth() && today.getDate() < born.getDate())) { age--; }
    box.classList.toggle("d-none", age >= 18);
  }

  [birth, idNumber].forEach(function (el) {
    if (el) { el.addEventListener("input", update); el.addEventListener("change", update); }
  });
  update();
})();
