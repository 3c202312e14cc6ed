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
  // Long selects with data-searchable get a search box above them that narrows the options
  // (kept in their town groups); without script the select works as it is.
  Array.prototype.forEach.call(document.querySelectorAll("select[data-searchable]"), function (select) {
    var original = Array.prototype.map.call(select.children, function (node) { return node.cloneNode(true); });
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.placeholder = select.dataset.searchable;
    box.setAttribute("aria-label", select.dataset.searchable);
    box.setAttribute("data-test", "select-search");
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var text = box.value.trim().toLowerCase();
      var chosen = select.value;
      var keep = function (option) {
        return !text || option.value === "" || option.value === chosen ||
          option.textContent.toLowerCase().indexOf(text) >= 0;
      };
      select.replaceChildren.apply(select, original.map(function (node) {
        var copy = node.cloneNode(true);
        if (copy.tagName === "OPTGROUP") {
          var town = copy.label.toLowerCase().indexOf(text) >= 0;
          Array.prototype.slice.call(copy.children).forEach(function (option) {
            if (!town && !keep(option)) { option.remove(); }
          });
          return copy.children.length ? copy : null;
        }
        return keep(copy) ? copy : null;
      }).filter(Boolean));
      select.value = chosen;
    });
  });
  // Selects with data-autosubmit submit their form when changed.
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) { event.target.form.submit(); }
  });
})();
