// The organiser's live page of a call-out: polls its JSON every few seconds while the page
// is visible and redraws the counters, the banner, the teams and the invitations, without
// reloading. The words come from <script type="application/json" id="callout-live-texts">,
// the first state from #callout-live-state (the same shape as the JSON endpoint).
(function () {
  "use strict";
  var root = document.getElementById("callout-live");
  if (!root) { return; }
  var texts = JSON.parse(document.getElementById("callout-live-texts").textContent);
  var state = JSON.parse(document.getElementById("callout-live-state").textContent);
  var POLL_MS = 2500;
  var offset = 0;          // server clock minus this device's clock, in ms
  var timer = null;
  var busy = false;
  var stopped = false;
  var drawn = { teams: null, invitations: null };

  function field(name) { return root.querySelector('[data-field="' + name + '"]'); }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, key) {
      return values[key] !== undefined ? String(values[key]) : m;
    });
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    if (h) { return fill(texts.h_m, { h: h, m: m }); }
    if (m) { return fill(texts.m_s, { m: m, s: s }); }
    return fill(texts.s, { s: s });
  }

  function clock(iso) {
    return new Date(iso).toLocaleTimeString(document.documentElement.lang || undefined, {
      timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit",
      hour12: false
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function phone(row) {
    if (!row.phone_visible) { return el("span", "text-muted text-nowrap", row.phone); }
    var link = el("a", "text-nowrap", row.phone);
    link.href = "tel:" + row.phone;
    return link;
  }

  function badge(pair) { return el("span", "badge " + pair[1], pair[0]); }

  function teamCard(team, byMember) {
    var col = el("div", "col-12 col-sm-6 col-lg-4");
    col.dataset.test = "team";
    col.dataset.team = team.number;
    var card = el("div", "card h-100 tb-team");
    card.appendChild(el("div", "card-header fw-semibold py-1", fill(texts.team, { n: team.number })));
    var list = el("ul", "list-group list-group-flush");
    var rows = team.member_ids.map(function (id) { return byMember[id]; }).filter(Boolean);
    rows.sort(function (a, b) { return (b.is_leader ? 1 : 0) - (a.is_leader ? 1 : 0); });
    rows.forEach(function (row) {
      var item = el("li", "list-group-item d-flex justify-content-between align-items-center gap-2 py-1");
      item.dataset.test = "team-member";
      var who = el("span");
      if (row.is_leader) { who.appendChild(el("i", "bi bi-star-fill text-warning")); who.appendChild(document.createTextNode(" ")); }
      who.appendChild(document.createTextNode(row.name));
      if (row.is_leader) { who.appendChild(document.createTextNode(" ")); who.appendChild(el("span", "badge text-bg-warning", texts.leader)); }
      item.appendChild(who);
      item.appendChild(phone(row));
      list.appendChild(item);
    });
    card.appendChild(list);
    col.appendChild(card);
    return col;
  }

  function drawTeams() {
    var key = JSON.stringify([state.teams, state.invitations]);
    if (key === drawn.teams) { return; }
    drawn.teams = key;
    var box = document.getElementById("callout-teams");
    var byMember = {};
    state.invitations.forEach(function (row) { byMember[row.member_id] = row; });
    box.replaceChildren();
    if (!state.teams.length) { box.appendChild(el("div", "col-12 text-muted small", texts.no_teams)); return; }
    state.teams.forEach(function (team) { box.appendChild(teamCard(team, byMember)); });
  }

  function invitationItem(row) {
    var item = el("li", "list-group-item d-flex justify-content-between align-items-center gap-2 py-1");
    item.dataset.test = "invitation";
    item.dataset.status = row.status;
    var who = el("div", "flex-grow-1 text-break", row.name);
    who.appendChild(el("div", "small text-muted", fill(texts.km, { km: (row.distance_m / 1000).toFixed(1) })));
    item.appendChild(who);
    var side = el("div", "text-end flex-shrink-0");
    side.appendChild(badge(texts.invitation[row.status] || [row.status, "text-bg-light"]));
    var call = el("div", "small");
    call.appendChild(phone(row));
    side.appendChild(call);
    item.appendChild(side);
    return item;
  }

  function drawInvitations() {
    var key = JSON.stringify(state.invitations);
    if (key === drawn.invitations) { return; }
    drawn.invitations = key;
    var box = document.getElementById("callout-invitations");
    box.replaceChildren();
    if (!state.invitations.length) { box.appendChild(el("div", "text-muted small", texts.no_invitations)); return; }
    var waves = [];
    var current = null;
    state.invitations.forEach(function (row) {
      if (!current || current.number !== row.wave) {
        current = { number: row.wave, sent: row.sent_at, rows: [] };
        waves.push(current);
      }
      current.rows.push(row);
    });
    waves.forEach(function (wave) {
      var section = el("div", "tb-wave");
      section.dataset.wave = wave.number;
      section.appendChild(el("div", "small fw-semibold mt-2 mb-1",
        fill(texts.wave, { n: wave.number }) + " · " + fill(texts.sent, { time: clock(wave.sent) })));
      var list = el("ul", "list-group mb-2");
      wave.rows.forEach(function (row) { list.appendChild(invitationItem(row)); });
      section.appendChild(list);
      box.appendChild(section);
    });
  }

  // The clock runs while the call-out does and stops at its stand-down.
  function drawClock() {
    var since = field("since");
    if (!since) { return; }
    var end = state.closed_at ? Date.parse(state.closed_at) : Date.now() + offset;
    since.textContent = duration((end - Date.parse(state.created_at)) / 1000);
    field("since-label").textContent = state.closed_at ? texts.ran_for : texts.since;
  }

  function draw() {
    root.dataset.status = state.status;
    var status = texts.status[state.status];
    var badgeNode = field("status");
    badgeNode.textContent = status[0];
    badgeNode.className = "badge " + status[1];
    Array.prototype.forEach.call(root.querySelectorAll("[data-count]"), function (node) {
      node.textContent = state[node.dataset.count];
    });
    var banner = texts.banner[state.status === "closed" && state.close_reason ? "stood_down" : state.status];
    var bannerNode = field("banner");
    bannerNode.textContent = fill(banner[0], {
      n: state.status === "filled" ? state.needed : state.shortfall,
      reason: state.close_reason || ""
    });
    bannerNode.className = "alert " + banner[1] + " tb-live-banner mb-3";
    var fillBox = field("fill-box");
    fillBox.hidden = state.seconds_to_fill === null;
    if (state.seconds_to_fill !== null) { field("time-to-fill").textContent = duration(state.seconds_to_fill); }
    field("waves").textContent = fill(texts.waves, { n: state.waves });
    var closeBox = field("close-box");
    if (closeBox) { closeBox.hidden = state.status === "closed"; }
    drawTeams();
    drawInvitations();
    drawClock();
  }

  function notice(text) {
    var node = field("connection");
    node.hidden = !text;
    node.textContent = text || "";
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    if (stopped || state.status === "closed") { return; }
    timer = window.setTimeout(poll, delay);
  }

  function poll() {
    if (busy || document.visibilityState !== "visible") { return; }
    busy = true;
    fetch(root.dataset.url, {
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual"
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
        stopped = true;
        notice(texts.signed_out);
        return null;
      }
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.json();
    }).then(function (data) {
      if (!data) { return; }
      state = data;
      offset = Date.parse(data.server_time) - Date.now();
      notice("");
      draw();
    }).catch(function () {
      notice(texts.offline);
    }).then(function () {
      busy = false;
      schedule(state.status === "filled" ? POLL_MS * 4 : POLL_MS);
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { poll(); } else { window.clearTimeout(timer); }
  });
  window.addEventListener("online", poll);

  offset = Date.parse(state.server_time) - Date.now();
  draw();
  window.setInterval(drawClock, 1000);
  schedule(POLL_MS);
})();
