// Ponte console: small progressive enhancements. Every page works without
// this file; it adds copy buttons, typed confirmation and selection counts.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    // Copy buttons: <button data-copy="#id"> copies the target's text.
    document.querySelectorAll("button[data-copy]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () {
        var el = document.querySelector(b.getAttribute("data-copy"));
        if (!el) return;
        var text = el.textContent.trim();
        var done = function () {
          var label = b.getAttribute("data-done") || "Copied";
          b.setAttribute("aria-live", "polite");
          b.textContent = label;
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () {});
        } else {
          var r = document.createRange();
          r.selectNodeContents(el);
          var s = window.getSelection();
          s.removeAllRanges();
          s.addRange(r);
          try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
        }
      });
    });
    // Typed confirmation: the button stays disabled until the text matches.
    document.querySelectorAll("input[data-confirm]").forEach(function (input) {
      var button = document.getElementById(input.getAttribute("data-confirm-button"));
      if (!button) return;
      var check = function () { button.disabled = input.value.trim() !== input.getAttribute("data-confirm"); };
      input.addEventListener("input", check);
      check();
    });
    // Selections: "select all" and the count shown on the buttons.
    document.querySelectorAll("form[data-selection]").forEach(function (form) {
      var boxes = form.querySelectorAll("input[type=checkbox][name=id]");
      var all = form.querySelector("input[data-select-all]");
      var counters = form.querySelectorAll("[data-selected-count]");
      var update = function () {
        var n = 0;
        boxes.forEach(function (b) { if (b.checked) n++; });
        counters.forEach(function (c) { c.textContent = String(n); });
      };
      boxes.forEach(function (b) { b.addEventListener("change", update); });
      if (all) all.addEventListener("change", function () {
        boxes.forEach(function (b) { b.checked = all.checked; });
        update();
      });
      update();
    });
  });
})();
