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
})();
