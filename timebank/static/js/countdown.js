// Deadlines that count down, on the server's clock (the phone's clock may be off).
//
// <div data-countdown data-deadline="ISO" data-server-time="ISO" data-total-s="300"
//      data-text-over="…" data-disable="CSS selector">
//   <span data-countdown-value></span> <div data-countdown-bar></div>
// </div>
// When the time is up the text is replaced, the box gets .tb-countdown-over and the
// elements matched by data-disable are disabled (the server refuses late answers anyway).
//
// <div data-refresh-s="15"> reloads the page every so often while it is visible, for a
// page waiting on others (a member who accepted, waiting for the team to form).
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function start(box) {
    var deadline = Date.parse(box.dataset.deadline);
    var offset = Date.parse(box.dataset.serverTime) - Date.now();
    var totalMs = (parseInt(box.dataset.totalS, 10) || 0) * 1000;
    var value = box.querySelector("[data-countdown-value]");
    var bar = box.querySelector("[data-countdown-bar]");
    var timer = null;

    function tick() {
      var left = Math.max(deadline - (Date.now() + offset), 0);
      var seconds = Math.ceil(left / 1000);
      if (bar && totalMs) { bar.style.width = Math.min(100, (left / totalMs) * 100).toFixed(1) + "%"; }
      if (left > 0) {
        value.textContent = Math.floor(seconds / 60) + ":" + pad(seconds % 60);
        box.classList.toggle("tb-countdown-soon", seconds <= 60);
        return;
      }
      window.clearInterval(timer);
      value.textContent = box.dataset.textOver || "0:00";
      box.classList.add("tb-countdown-over");
      if (box.dataset.disable) {
        Array.prototype.forEach.call(document.querySelectorAll(box.dataset.disable), function (el) {
          el.disabled = true;
        });
      }
    }
    tick();
    timer = window.setInterval(tick, 250);
  }

  function refreshEvery(el) {
    var ms = (parseInt(el.dataset.refreshS, 10) || 15) * 1000;
    window.setInterval(function () {
      if (document.visibilityState === "visible") { window.location.reload(); }
    }, ms);
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-countdown]"), start);
  var waiting = document.querySelector("[data-refresh-s]");
  if (waiting) { refreshEvery(waiting); }
})();
