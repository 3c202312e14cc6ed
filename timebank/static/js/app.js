// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // Progress bars: widths come from data-width (percent), as CSP forbids style attributes.
  Array.prototype.forEach.call(document.querySelectorAll("[data-width]"), function (el) {
    var value = parseFloat(el.dataset.width);
    if (!isNaN(value)) { el.style.width = Math.max(0, Math.min(100, value)) + "%"; }
  });
  // Buttons with data-action="print" print the page.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-action=print]");
    if (target) { window.print(); }
  });
  // Selects with data-autosubmit submit their form when changed.
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) { event.target.form.submit(); }
  });
})();

// Print buttons (certificates): no inline handlers under the Content-Security-Policy.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
