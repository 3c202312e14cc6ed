// The scanner page: camera, typed codes and keyboard-wedge USB scanners, with offline keeping.
//
// Every scan gets its own scan_id (a UUID) and the time it was made, and is written to
// localStorage before it is sent. It leaves storage only once the server has answered it
// (anything but a network error, a 5xx or 429, an expired session or CSRF token); until
// then it shows as "waiting to send" and is sent again, oldest first, when the network
// comes back and every RETRY ms. The server applies a scan_id once, so resending is safe.
// A scan that could not be sent at once says so: it goes with `offline: true` and
// `offline_since`, when this scanner lost the server (the server takes a scan made more
// than two QR windows before it arrives only as such an offline scan, and flags it for the
// coordinator's review). Scans sent live carry neither.
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) { return; }

  var T = JSON.parse(document.getElementById("scanner-texts").textContent);
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = csrfMeta ? csrfMeta.content : "";
  var POST_URL = root.dataset.postUrl;
  var SHIFT_ID = parseInt(root.dataset.shiftId, 10);
  var STAFF_ID = parseInt(root.dataset.staffId, 10);
  var RETRY_MS = parseInt(root.dataset.retryMs, 10) || 20000;
  var QUEUE_KEY = "timebank.scanner.queue.v1";
  var RECENT_KEY = "timebank.scanner.recent.v1." + STAFF_ID + "." + SHIFT_ID;
  var RECENT_MAX = 30;
  var SAME_CODE_MS = 3000;       // the camera ignores the same code within this time
  var SEND_TIMEOUT_MS = 15000;
  var POSITION_MAX_AGE_MS = 120000;
  var POSITION_MAX_ERROR_M = 300;  // a rougher fix proves nothing either way: not sent
  var TOKEN = /TB1\.\d{1,12}\.\d{1,12}\.[A-Za-z0-9_-]{22}/;

  var $ = function (id) { return document.getElementById(id); };
  var input = $("scan-input");
  var form = $("scan-form");
  var panel = $("scan-result");
  var overrideForm = $("override-form");
  var coarsePointer = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;

  // ---- Clocks, ids, storage -------------------------------------------------------------

  // The device clock, corrected when it is more than 2 s off the server's (measured at page
  // load): scan times are checked against the code's time window on the server.
  var clockOffset = Date.parse(root.dataset.serverTime) - Date.now();
  if (!isFinite(clockOffset) || Math.abs(clockOffset) < 2000) { clockOffset = 0; }
  function nowMs() { return Date.now() + clockOffset; }

  function pad(n, width) { return String(n).padStart(width || 2, "0"); }

  function isoWithOffset(ms) {
    var d = new Date(ms);
    var off = -d.getTimezoneOffset();
    var sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." +
      pad(d.getMilliseconds(), 3) + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }

  // Times are shown in the app's time zone (Asia/Shanghai), as on the server's pages.
  var clockFormat = null;
  try {
    clockFormat = new Intl.DateTimeFormat("en-GB", {
      timeZone: root.dataset.timezone || undefined,
      hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false
    });
  } catch (e) { /* an unknown zone: the device's own */ }
  function clockText(ms) {
    if (clockFormat) { return clockFormat.format(new Date(ms)); }
    var d = new Date(ms);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      try { return window.crypto.randomUUID(); } catch (e) { /* not a secure context */ }
    }
    var b = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(b);
    } else {
      for (var i = 0; i < 16; i++) { b[i] = Math.floor(Math.random() * 256); }
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return pad(x.toString(16)); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" +
      h.slice(16, 20) + "-" + h.slice(20);
  }

  function load(key) {
    try { return JSON.parse(window.localStorage.getItem(key)) || []; } catch (e) { return []; }
  }

  function store(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* full */ }
  }

  // The queue is shared by every scanner tab of this browser: always re-read it.
  function queue() { return load(QUEUE_KEY); }
  function mine(items) {
    return items.filter(function (i) { return i.staff_id === STAFF_ID; })
      .sort(function (a, b) { return a.made_ms - b.made_ms; });
  }
  function enqueue(item) { var q = queue(); q.push(item); store(QUEUE_KEY, q); }
  function dequeue(scanId) {
    store(QUEUE_KEY, queue().filter(function (i) { return i.scan_id !== scanId; }));
  }
  function scannedMs(item) {
    return item.scanned_ms || Date.parse(item.scanned_at) || item.made_ms;
  }

  // ---- Offline ----------------------------------------------------------------------------

  // When this scanner lost the server (ms by the corrected clock), or null while it reaches
  // it. Set by a send that could not be answered (no network, server down or busy, session
  // or page expired) and by the browser's "offline" event; cleared by the next answer.
  var offlineSince = null;

  function wentOffline(atMs) {
    if (offlineSince === null || atMs < offlineSince) { offlineSince = atMs; }
    var changed = false;
    var q = queue().map(function (i) {
      if (i.staff_id === STAFF_ID && !i.offline_since) {
        i.offline_since = isoWithOffset(Math.min(offlineSince, scannedMs(i)));
        changed = true;
      }
      return i;
    });
    if (changed) { store(QUEUE_KEY, q); }
  }

  // ---- Position -------------------------------------------------------------------------

  var position = null;
  var geoText = $("geo-text");

  function usablePosition() {
    if (!position || Date.now() - position.at > POSITION_MAX_AGE_MS) { return null; }
    return position.accuracy <= POSITION_MAX_ERROR_M ? position : null;
  }

  function watchPosition() {
    if (root.dataset.geofence !== "1" || !navigator.geolocation) { return; }
    navigator.geolocation.watchPosition(function (p) {
      position = {
        lat: p.coords.latitude, lon: p.coords.longitude,
        accuracy: Math.round(p.coords.accuracy), at: Date.now()
      };
      var template = position.accuracy <= POSITION_MAX_ERROR_M ? T.position : T.position_rough;
      geoText.textContent = template.replace("{m}", String(position.accuracy));
    }, function () {
      geoText.textContent = T.position_none;
    }, { enableHighAccuracy: true, maximumAge: 30000, timeout: 60000 });
  }

  // ---- Showing answers ------------------------------------------------------------------

  var STATES = {
    ready: { cls: "tb-result-ready", icon: "upc-scan" },
    sending: { cls: "tb-result-sending", icon: "hourglass-split" },
    waiting: { cls: "tb-result-waiting", icon: "cloud-arrow-up" },
    check_in: { cls: "tb-result-in", icon: "box-arrow-in-right" },
    check_out: { cls: "tb-result-out", icon: "box-arrow-right" },
    duplicate: { cls: "tb-result-duplicate", icon: "check2-all" },
    refused: { cls: "tb-result-refused", icon: "x-octagon-fill" }
  };
  var lastScanId = null;   // the scan the big panel is about
  var pendingOverride = null;

  // What an entry (a scan and, once answered, its answer) looks like.
  function describe(entry) {
    var body = entry.body || {};
    var name = (body.member && body.member.name) || "";
    if (entry.state === "waiting") {
      return { state: "waiting", title: T.waiting, name: name, detail: T.waiting_hint };
    }
    if (entry.state === "sending") {
      return { state: "sending", title: T.sending, name: "", detail: "" };
    }
    var replay = entry.status === 200 ? " " + T.replayed : "";
    if (body.action === "check_in") {
      return { state: "check_in", title: T.check_in, name: name, detail: replay.trim() };
    }
    if (body.action === "check_out") {
      var minutes = T.minutes.replace("{n}", String(body.credited_minutes || 0));
      return { state: "check_out", title: T.check_out, name: name, detail: minutes + replay };
    }
    if (body.action === "duplicate") {
      return { state: "duplicate", title: T.duplicate, name: name, detail: T.duplicate_hint };
    }
    var error = body.error || {};
    return {
      state: "refused", title: T.refused, name: name,
      detail: error.message || T.error, code: error.code || "error"
    };
  }

  function showPanel(entry) {
    var d = describe(entry);
    var look = STATES[d.state];
    panel.className = "tb-result " + look.cls;
    panel.dataset.state = d.state;
    panel.dataset.code = d.code || "";
    $("scan-result-icon").className = "bi bi-" + look.icon;
    $("scan-result-title").textContent = d.title;
    $("scan-result-name").textContent = d.name;
    $("scan-result-detail").textContent = d.detail;
    var canOverride = d.code === "outside_geofence" && entry.item;
    overrideForm.classList.toggle("d-none", !canOverride);
    pendingOverride = canOverride ? entry.item : null;
    if (canOverride) { $("override-reason").value = ""; }
  }

  // Answered scans, and those still waiting in the queue (another tab may have sent the
  // rest since; what they got is on the roster).
  var recent = (function () {
    var waiting = {};
    queue().forEach(function (i) { waiting[i.scan_id] = i; });
    return load(RECENT_KEY).filter(function (e) {
      return e.state === "answered" || waiting[e.scan_id];
    }).map(function (e) {
      if (e.state !== "answered") { e.state = "waiting"; e.item = waiting[e.scan_id]; }
      return e;
    });
  })();

  function remember(entry) {
    var found = false;
    recent = recent.map(function (e) {
      if (e.scan_id !== entry.scan_id) { return e; }
      found = true;
      return entry;
    });
    if (!found) { recent.unshift(entry); }
    recent = recent.slice(0, RECENT_MAX);
    store(RECENT_KEY, recent.map(function (e) {
      return { scan_id: e.scan_id, made_ms: e.made_ms, state: e.state, status: e.status, body: e.body };
    }));
    renderRecent();
  }

  var BADGES = {
    waiting: "text-bg-warning", sending: "text-bg-light border", check_in: "text-bg-success",
    check_out: "text-bg-primary", duplicate: "text-bg-secondary", refused: "text-bg-danger"
  };

  function renderRecent() {
    var list = $("recent");
    list.textContent = "";
    recent.forEach(function (entry) {
      var d = describe(entry);
      var li = document.createElement("li");
      li.className = "list-group-item d-flex justify-content-between align-items-center gap-2";
      li.dataset.state = d.state;
      li.dataset.scanId = entry.scan_id;
      li.dataset.test = "recent-scan";
      var left = document.createElement("div");
      var who = document.createElement("div");
      who.className = "fw-semibold";
      who.textContent = d.name || "—";
      var detail = document.createElement("div");
      detail.className = "small text-muted";
      detail.textContent = clockText(entry.made_ms) +
        (d.state === "check_out" || d.state === "refused" ? " · " + d.detail : "");
      left.appendChild(who);
      left.appendChild(detail);
      var badge = document.createElement("span");
      badge.className = "badge flex-shrink-0 " + BADGES[d.state];
      badge.textContent = d.title;
      li.appendChild(left);
      li.appendChild(badge);
      list.appendChild(li);
    });
    $("recent-empty").classList.toggle("d-none", recent.length > 0);
  }

  function renderWaiting() {
    var n = mine(queue()).length;
    $("waiting-count").textContent = String(n);
    var badge = $("waiting");
    badge.className = "badge " + (n ? "text-bg-warning" : "text-bg-light border");
    badge.dataset.count = String(n);
  }

  function renderNetwork() {
    var online = navigator.onLine !== false;
    var badge = $("net-status");
    badge.className = "badge " + (online ? "text-bg-success" : "text-bg-danger");
    badge.textContent = online ? T.online : T.offline;
  }

  function showProblem(text) {
    var box = $("queue-problem");
    box.textContent = text || "";
    box.classList.toggle("d-none", !text);
  }

  function bump(id, delta) {
    var el = $(id);
    el.textContent = String(Math.max(0, (parseInt(el.textContent, 10) || 0) + delta));
  }

  function count(status, body) {
    if (status !== 201) { return; }  // replays were counted when first answered
    if (body.action === "check_in") {
      bump(body.checked_out_at ? "count-out" : "count-on-site", 1);
    } else if (body.action === "check_out") {
      bump("count-on-site", -1);
      bump("count-out", 1);
    }
  }

  // ---- Feedback: a short vibration and beep (where the device allows) --------------------

  var audio = null;
  function beep(ok) {
    try {
      if (navigator.vibrate) { navigator.vibrate(ok ? 60 : [120, 80, 120]); }
      if (!audio) {
        var Ctx = window.AudioContext || window.webkitAudioContext;
        if (!Ctx) { return; }
        audio = new Ctx();
      }
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = ok ? 1320 : 330;
      gain.gain.value = 0.15;
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + (ok ? 0.12 : 0.35));
    } catch (e) { /* no sound: fine */ }
  }

  // ---- Sending ----------------------------------------------------------------------------

  function send(item) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, SEND_TIMEOUT_MS) : null;
    var payload = {
      qr_payload: item.qr_payload, scan_id: item.scan_id, scanned_at: item.scanned_at,
      lat: item.lat, lon: item.lon, override_reason: item.override_reason
    };
    if (item.offline_since) {
      payload.offline = true;
      payload.offline_since = item.offline_since;
    }
    return fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: {
        "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": CSRF
      },
      body: JSON.stringify(payload),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401) {
        return { keep: true, problem: T.signed_out };
      }
      // 409: other scans of the member raced this one three times; nothing was stored,
      // so it is sent again like a busy server's (the same scan_id applies once).
      if (response.status >= 500 || response.status === 429 || response.status === 409) {
        return { keep: true, problem: T.server_busy };
      }
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!body) { return { keep: true, problem: T.server_busy }; }
        if (response.status === 400 && body.error && body.error.code === "csrf_failed") {
          return { keep: true, problem: T.page_expired };
        }
        return { keep: false, status: response.status, body: body };
      });
    }, function () {
      return { keep: true, offline: true };
    }).then(function (outcome) {
      if (timer) { window.clearTimeout(timer); }
      return outcome;
    });
  }

  var flushing = false;

  function flush() {
    if (flushing) { return Promise.resolve(); }
    flushing = true;
    function next() {
      var items = mine(queue());
      if (!items.length) { showProblem(""); return Promise.resolve(); }
      var item = items[0];
      return send(item).then(function (outcome) {
        if (outcome.keep) {
          wentOffline(Math.min(scannedMs(item), nowMs()));
          showProblem(outcome.problem || "");
          markWaiting(mine(queue()));  // as stamped
          return null;
        }
        offlineSince = null;  // the server answered: scans made from now on are live
        dequeue(item.scan_id);
        answered(item, outcome.status, outcome.body);
        return next();
      });
    }
    return next().then(function () {
      flushing = false;
      renderWaiting();
    }, function () {
      flushing = false;
      renderWaiting();
    });
  }

  function markWaiting(items) {
    items.forEach(function (item) {
      if (item.shift_id !== SHIFT_ID) { return; }
      var entry = { scan_id: item.scan_id, made_ms: item.made_ms, state: "waiting", item: item };
      remember(entry);
      if (item.scan_id === lastScanId) { showPanel(entry); }
    });
    renderWaiting();
  }

  function answered(item, status, body) {
    var entry = {
      scan_id: item.scan_id, made_ms: item.made_ms, state: "answered", status: status,
      body: body, item: item
    };
    if (item.shift_id === SHIFT_ID) {
      remember(entry);
      count(status, body);
    }
    if (item.scan_id === lastScanId) {
      showPanel(entry);
      beep(status < 400);
    }
  }

  // ---- Scanning ---------------------------------------------------------------------------

  function scan(text, previous, reason) {
    var match = TOKEN.exec(text);
    var made = nowMs();
    var pos = previous ? { lat: previous.lat, lon: previous.lon } : usablePosition();
    var scanned = previous ? scannedMs(previous) : made;
    var since = previous && previous.offline_since ? previous.offline_since :
      offlineSince !== null ? isoWithOffset(Math.min(offlineSince, scanned)) : null;
    var item = {
      scan_id: uuid(),
      url: POST_URL,
      shift_id: SHIFT_ID,
      staff_id: STAFF_ID,
      qr_payload: match ? match[0] : text.trim().slice(0, 200),
      made_ms: made,  // the order of sending
      // An override is a decision about the earlier scan: it keeps its time and place.
      scanned_at: previous ? previous.scanned_at : isoWithOffset(made),
      scanned_ms: scanned,
      // Made while the scanner cannot reach the server: it says so when sent.
      offline_since: since,
      lat: pos ? pos.lat : null,
      lon: pos ? pos.lon : null,
      override_reason: reason || null
    };
    enqueue(item);
    lastScanId = item.scan_id;
    var entry = { scan_id: item.scan_id, made_ms: made, state: "sending", item: item };
    showPanel(entry);
    remember(entry);
    renderWaiting();
    flush();
  }

  function refocus() {
    if (!coarsePointer) { input.focus({ preventScroll: true }); }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    input.value = "";
    if (text) { scan(text); }
    refocus();
  });

  overrideForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var reason = $("override-reason").value.trim();
    if (!reason) {
      $("scan-result-detail").textContent = T.override_needed;
      $("override-reason").focus();
      return;
    }
    if (pendingOverride) { scan(pendingOverride.qr_payload, pendingOverride, reason); }
    refocus();
  });

  // A keyboard-wedge scanner types the code and Enter wherever the focus is: keys typed
  // outside any field go to the code field.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) {
      return;
    }
    if (event.key && event.key.length === 1) {
      event.preventDefault();
      input.value += event.key;
      input.focus({ preventScroll: true });
    } else if (event.key === "Enter" && input.value) {
      event.preventDefault();
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.dispatchEvent(new Event("submit", { cancelable: true }));
      }
    }
  });

  // ---- Camera -----------------------------------------------------------------------------

  var camera = { stream: null, timer: null, canvas: null, ctx: null, lastText: "", lastAt: 0 };
  var video = $("camera-video");
  var CAMERA_KEY = "timebank.scanner.camera";

  function cameraMessage(text) { $("camera-message").textContent = text || ""; }

  function loadDecoder() {
    if (window.jsQR) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = root.dataset.jsqrSrc;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraMessage(window.isSecureContext === false ? T.camera_insecure : T.camera_unavailable);
      return;
    }
    loadDecoder().then(function () {
      return navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } }
      });
    }).then(function (stream) {
      camera.stream = stream;
      video.srcObject = stream;
      $("camera-view").classList.remove("d-none");
      $("camera-toggle-label").textContent = T.camera_stop;
      cameraMessage("");
      store(CAMERA_KEY, ["on"]);
      return video.play();
    }).then(decodeLoop).catch(function () {
      stopCamera(true);
      cameraMessage(T.camera_unavailable);
    });
  }

  function stopCamera(keepPreference) {
    window.clearTimeout(camera.timer);
    if (camera.stream) {
      camera.stream.getTracks().forEach(function (track) { track.stop(); });
    }
    camera.stream = null;
    video.srcObject = null;
    $("camera-view").classList.add("d-none");
    $("camera-toggle-label").textContent = T.camera_start;
    if (!keepPreference) { store(CAMERA_KEY, []); }
  }

  function decodeLoop() {
    if (!camera.stream) { return; }
    if (video.readyState >= 2 && video.videoWidth) {
      var scale = Math.min(1, 640 / video.videoWidth);
      var w = Math.round(video.videoWidth * scale);
      var h = Math.round(video.videoHeight * scale);
      if (!camera.canvas) {
        camera.canvas = document.createElement("canvas");
        camera.ctx = camera.canvas.getContext("2d", { willReadFrequently: true });
      }
      camera.canvas.width = w;
      camera.canvas.height = h;
      camera.ctx.drawImage(video, 0, 0, w, h);
      var image = camera.ctx.getImageData(0, 0, w, h);
      var code = null;
      try {
        code = window.jsQR(image.data, w, h, { inversionAttempts: "dontInvert" });
      } catch (e) { /* an unreadable frame: try the next one */ }
      if (code && code.data) { seen(code.data); }
    }
    camera.timer = window.setTimeout(decodeLoop, 150);
  }

  // The camera sees a held-up code many times a second: act on it once.
  function seen(text) {
    var now = Date.now();
    var same = text === camera.lastText && now - camera.lastAt < SAME_CODE_MS;
    camera.lastText = text;
    camera.lastAt = now;
    if (!same) { scan(text); }
  }

  $("camera-toggle").addEventListener("click", function () {
    if (camera.stream) { stopCamera(false); } else { startCamera(); }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && camera.stream) {
      stopCamera(true);  // saves the battery; comes back with the page
    } else if (document.visibilityState === "visible") {
      if (load(CAMERA_KEY).length && !camera.stream) { startCamera(); }
      flush();
    }
  });

  // ---- Start ------------------------------------------------------------------------------

  window.addEventListener("online", function () { renderNetwork(); flush(); });
  window.addEventListener("offline", function () { wentOffline(nowMs()); renderNetwork(); });
  window.addEventListener("storage", function (event) {
    if (event.key === QUEUE_KEY) { renderWaiting(); }
  });
  window.addEventListener("focus", refocus);
  window.setInterval(flush, RETRY_MS);

  renderNetwork();
  renderRecent();
  renderWaiting();
  watchPosition();
  if (load(CAMERA_KEY).length && navigator.mediaDevices) { startCamera(); }
  refocus();
  flush();
})();
