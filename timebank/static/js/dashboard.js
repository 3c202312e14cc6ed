// The organiser's dashboard: draws its two charts with the vendored Chart.js from the JSON
// block the page carries (#dashboard-data). Without JavaScript the same figures are in the
// table under the charts.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var red = getComputedStyle(document.documentElement).getPropertyValue("--tb-red").trim() || "#b71c1c";
  var gold = getComputedStyle(document.documentElement).getPropertyValue("--tb-gold").trim() || "#f9a825";

  function hoursTooltip(context) {
    return " " + context.parsed[context.chart.options.indexAxis === "y" ? "x" : "y"] + " " + data.unit;
  }

  // Every axis says what it counts: the value axis in hours, the weekly one by week.
  function options(horizontal, categoryTitle) {
    var valueAxis = { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: data.unit } };
    var categoryAxis = categoryTitle ? { display: true, text: categoryTitle } : { display: false };
    return {
      indexAxis: horizontal ? "y" : "x",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: hoursTooltip } } },
      scales: horizontal
        ? { x: valueAxis, y: { ticks: { autoSkip: false }, title: categoryAxis } }
        : { y: valueAxis, x: { ticks: { maxRotation: 0, autoSkipPadding: 8 }, title: categoryAxis } },
    };
  }

  var weekly = document.getElementById("chart-weekly");
  if (weekly) {
    new window.Chart(weekly, {
      type: "line",
      data: {
        labels: data.weekly.labels,
        datasets: [{
          label: data.weekly.title,
          data: data.weekly.hours,
          borderColor: red,
          backgroundColor: "rgba(183, 28, 28, 0.12)",
          pointBackgroundColor: red,
          pointRadius: 2,
          fill: true,
          tension: 0,
        }],
      },
      options: options(false, data.week_axis),
    });
  }

  var parts = document.getElementById("chart-parts");
  if (parts) {
    // One bar per unit: horizontal, so long Chinese names stay readable on a phone.
    parts.parentElement.style.height = Math.max(180, 28 * data.parts.labels.length + 40) + "px";
    new window.Chart(parts, {
      type: "bar",
      data: {
        labels: data.parts.labels,
        datasets: [{
          label: data.parts.title,
          data: data.parts.hours,
          backgroundColor: gold,
          borderColor: red,
          borderWidth: 1,
        }],
      },
      options: options(true),
    });
  }
})();
