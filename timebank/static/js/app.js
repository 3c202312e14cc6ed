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
