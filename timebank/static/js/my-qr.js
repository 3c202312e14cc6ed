// My check-in code: keeps the rotating QR code fresh and the screen awake.
//
// The server signs a token per time window (QR_ROTATE_S); a token is accepted in its own
// window and the next one. The page fetches a new code as soon as a new window starts,
// so the code on screen always has at least one full window of validity left. Times are
// compared on the server's clock (the phone's clock may be off).
(function () {
  "use strict";
  var root = document.getElementById("my-qr");
  if (!root) { return; }
  var codeBox = document.getElementById("my-qr-code");
  var bar = document.getElementById("my-qr-bar");
  var countdown = document.getElementById("my-qr-countdown");
  var rotateMs = (parseInt(root.dataset.rotateS, 10) || 30) * 1000;
  var offset = 0;      // server clock minus this phone's clock, in ms
  var expiresAt = 0;   // server ms when the code on screen stops being accepted
  var refreshAt = 0;   // server ms when to fetch the next code
  var timer = null;
  var fetching = false;
  var failures = 0;

  function serverNow() { return Date.now() + offset; }

  function plan() {
    // The next window starts one rotation before expiry: fetch a second after it starts
    // (at the latest half a rotation before the code expires).
    var windowStart = expiresAt - rotateMs;
    refreshAt = Math.min(windowStart + 1000, expiresAt - rotateMs / 2);
    schedule(refreshAt - serverNow());
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    // Never sooner than half a second: a code fetched a moment early is simply fetched again.
    timer = window.setTimeout(refresh, Math.max(delay, 500));
  }

  function apply(data) {
    offset = Date.parse(data.server_time) - Date.now();
    expiresAt = Date.parse(data.expires_at);
    if (data.rotate_s) { rotateMs = data.rotate_s * 1000; }
    if (data.svg) { codeBox.innerHTML = data.svg; }
    root.dataset.payload = data.payload;
    root.classList.remove("tb-qr-expired");
    failures = 0;
    plan();
    tick();
  }

  function refresh() {
    if (fetching) { return; }
    fetching = true;
    fetch(root.dataset.url, {
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual"
    }).then(function (response) {
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.json();
    }).then(apply).catch(function () {
      // Keep trying: quickly at first, then every 15 s.
      failures += 1;
      schedule(Math.min(2000 * failures, 15000));
    }).then(function () { fetching = false; });
  }

  function tick() {
    var now = serverNow();
    if (now >= expiresAt) {
      root.classList.add("tb-qr-expired");
      countdown.textContent = root.dataset.textExpired;
      bar.style.width = "0%";
      return;
    }
    var left = Math.max(refreshAt - now, 0);
    var seconds = Math.ceil(left / 1000);
    countdown.textContent = root.dataset.textNext.replace("{s}", String(seconds));
    bar.style.width = Math.min(100, (left / rotateMs) * 100).toFixed(1) + "%";
  }

  // The screen stays on while the code is shown, where the browser allows it.
  // The browser releases the lock when the page is hidden; it is asked again on return.
  function keepAwake() {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible") { return; }
    navigator.wakeLock.request("screen").catch(function () { /* not allowed: fine */ });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      keepAwake();
      if (serverNow() >= refreshAt) { refresh(); }
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { refresh(); }  // back from the browser's page cache
  });
  window.addEventListener("online", refresh);

  apply({
    server_time: root.dataset.serverTime,
    expires_at: root.dataset.expiresAt,
    payload: root.dataset.payload,
    svg: null
  });
  window.setInterval(tick, 250);
  keepAwake();
})();
