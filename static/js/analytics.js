// Draws the analytics dashboard's charts with Chart.js (window.Chart, served from vendor/chartjs)
// from the numbers the page embeds in #analytics-charts; the tables under the charts show the same.
(function () {
  "use strict";
  var source = document.getElementById("analytics-charts");
  if (!source || !window.Chart) {
    return;
  }
  var charts = JSON.parse(source.textContent);
  var palette = ["#1e88e5", "#43a047", "#fb8c00", "#8e24aa", "#e53935"];

  function money(value) {
    return (value / 100).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var data = charts[canvas.dataset.chart];
    if (!data) {
      return;
    }
    var kind = canvas.dataset.kind || "line";
    var datasets = Object.keys(data.series).map(function (name, index) {
      var color = palette[index % palette.length];
      return {
        label: name,
        data: data.series[name],
        borderColor: color,
        backgroundColor: kind === "bar" ? color : color + "33",
        tension: 0.2,
        pointRadius: data.labels.length > 60 ? 0 : 2,
      };
    });
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true } },
    };
    if (data.percent) {
      options.scales.y.max = 100;
    }
    if (data.minor_units) {
      options.scales.y.ticks = { callback: money };
      options.plugins = { tooltip: { callbacks: { label: function (item) { return item.dataset.label + ": " + money(item.raw); } } } };
    }
    canvas.chart = new window.Chart(canvas, { type: kind, data: { labels: data.labels, datasets: datasets }, options: options });
    canvas.dataset.drawn = "true";
  });
})();
