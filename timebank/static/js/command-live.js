// The command centre: polls its JSON every few seconds while the page is visible and
// redraws the counts, the headline rates, the overdue queue, the coverage lists, the
// figure tables, the chart and the marks on the map, without reloading. The first state
// is #command-state (the same shape as the endpoint's answer), the words #command-texts.
(function () {
  "use strict";
  var root = document.getElementById("command-live");
  if (!root) { return; }
  var texts = JSON.parse(document.getElementById("command-texts").textContent);
  var state = JSON.parse(document.getElementById("command-state").textContent);
  var POLL_MS = 5000;
  var chart = null;
  var red = getComputedStyle(document.documentElement).getPropertyValue("--tb-red").trim() || "#b71c1c";

  function field(name) { return root.querySelector('[data-field="' + name + '"]'); }
  function setText(name, value) { var el = field(name); if (el) { el.textContent = value; } }
  function pct(rate) { return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%"; }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, key) {
      return values[key] !== undefined ? String(values[key]) : m;
    });
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function minutes(m) {
    if (m === null || m === undefined) { return "—"; }
    var h = Math.floor(m / 60);
    return h ? h + " h " + (m % 60) + " min" : m + " min";
  }

  function drawList(name, items, line) {
    var list = root.querySelector('[data-list="' + name + '"]');
    if (!list) { return; }
    list.replaceChildren();
    if (!items.length) { list.appendChild(el("li", "text-muted", name === "overdue" ? texts.none_late : texts.none)); return; }
    items.forEach(function (item) { list.appendChild(line(item)); });
  }

  function overdueLine(e) {
    var li = el("li", "border-bottom py-1");
    li.appendChild(el("span", "fw-semibold", e.number));
    li.appendChild(document.createTextNode(" · " + e.category + " · " + e.place));
    li.appendChild(el("br"));
    li.appendChild(el("span", "text-danger", fill(texts.late, { n: e.late_min })));
    var rest = " · " + (texts.status[e.status] || e.status);
    if (e.escalated_to) { rest += " · " + fill(texts.escalated, { unit: e.escalated_to }); }
    li.appendChild(document.createTextNode(rest));
    return li;
  }

  function drawTable(name, data) {
    var body = root.querySelector('[data-table="' + name + '"] tbody');
    if (!body || !data.items.length) { return; }
    body.replaceChildren();
    data.items.forEach(function (item) {
      var tr = el("tr");
      [item.name, item.reported, item.closed, pct(item.closure_rate), pct(item.on_time_rate),
        pct(item.satisfaction_rate), item.overdue_open].forEach(function (value, i) {
        var td = el("td", i ? "text-end" + (i === 4 || i === 5 ? " d-none d-md-table-cell" : "") : "", String(value));
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function drawMap(marks) {
    root.querySelectorAll("circle[data-grid]").forEach(function (c) {
      var id = c.getAttribute("data-grid");
      c.classList.toggle("overdue", !!marks.overdue[id]);
    });
    var uncovered = {};
    marks.uncovered.forEach(function (id) { uncovered[id] = true; });
    root.querySelectorAll("circle[data-grid]").forEach(function (c) {
      c.classList.toggle("uncovered", !!uncovered[c.getAttribute("data-grid")]);
    });
  }

  function drawChart(parts) {
    var canvas = document.getElementById("chart-parts");
    if (!canvas || typeof window.Chart === "undefined") { return; }
    var labels = parts.items.map(function (i) { return i.name; });
    var values = parts.items.map(function (i) { return i.closure_rate === null ? 0 : +(i.closure_rate * 100).toFixed(1); });
    canvas.parentElement.style.height = Math.max(180, 26 * labels.length + 50) + "px";
    if (chart) {
      chart.data.labels = labels;
      chart.data.datasets[0].data = values;
      chart.update("none");
      return;
    }
    chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: texts.closure_rate, data: values, backgroundColor: red }] },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return " " + c.parsed.x + "%"; } } } },
        scales: { x: { min: 0, max: 100, title: { display: true, text: texts.closure_rate + " (%)" } }, y: { ticks: { autoSkip: false } } },
      },
    });
  }

  function draw(s) {
    Object.keys(s.counts).forEach(function (k) { setText("count-" + k, s.counts[k]); });
    var t = s.parts.totals;
    setText("closure_rate", pct(t.closure_rate));
    setText("on_time_rate", pct(t.on_time_rate));
    setText("satisfaction_rate", pct(t.satisfaction_rate));
    setText("median_handle_min", minutes(t.median_handle_min));
    setText("overdue_total", s.overdue.total);
    setText("uncovered_total", s.coverage.uncovered_total);
    setText("overdue_grids_total", s.coverage.overdue_total);
    setText("updated", fill(texts.updated, { time: new Date(s.at).toLocaleTimeString() }));
    drawList("overdue", s.overdue.items, overdueLine);
    drawList("uncovered", s.coverage.uncovered, function (g) { return el("li", "", g.name + " · " + g.community); });
    drawList("overdue_grids", s.coverage.overdue, function (g) {
      return el("li", "", g.name + " · " + g.community + " · " + fill(texts.events_n, { n: g.n }));
    });
    drawTable("parts", s.parts);
    drawTable("categories", s.categories);
    drawMap(s.marks);
    drawChart(s.parts);
  }

  function poll() {
    if (document.hidden) { return; }
    fetch(root.getAttribute("data-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401 || r.redirected) { setText("updated", texts.signed_out); throw new Error("signed out"); }
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      })
      .then(function (s) { state = s; draw(s); })
      .catch(function () { if (field("updated").textContent !== texts.signed_out) { setText("updated", texts.offline); } });
  }

  drawChart(state.parts);
  window.setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { poll(); } });
})();
