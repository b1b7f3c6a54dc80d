// The Generate page: a persona example fills its fields in one click, a picked chip or swatch fills its text field
// (and typing checks the matching one), swatches get their colour, and the price follows "Start from a photo".
(function () {
  "use strict";

  function setField(form, name, value) {
    var field = form.elements[name];
    if (!field) return;
    field.value = value;  // a radio group (gender, age range) takes the value of the radio to check
    syncPicks(form, name);
  }

  function syncPicks(form, name) {
    var text = form.elements[name];
    form.querySelectorAll("[data-pick-for='" + name + "']").forEach(function (radio) {
      radio.checked = !!text && radio.value === text.value.trim();
    });
  }

  document.addEventListener("click", function (event) {
    var example = event.target.closest && event.target.closest("[data-fill]");
    if (!example) return;
    var form = example.closest("form");
    var values = JSON.parse(example.dataset.fill);
    Object.keys(values).forEach(function (name) { setField(form, name, String(values[name])); });
    form.dispatchEvent(new Event("change"));
  });

  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (radio.dataset && radio.dataset.pickFor) {
      radio.form.elements[radio.dataset.pickFor].value = radio.value;
    }
  });

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (field.form && field.form.querySelector("[data-pick-for='" + field.name + "']")) syncPicks(field.form, field.name);
  });

  function paint(root) {
    var found = Array.from(root.querySelectorAll ? root.querySelectorAll("[data-swatch]") : []);
    found.forEach(function (dot) { dot.style.setProperty("--swatch", dot.dataset.swatch); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) htmx.onLoad(paint); else paint(document);
  });
})();
