/* The enterprise page's charts: daily kWh against baseline and threshold; load-shape features. */
(function () {
  "use strict";
  function line(name, data, extra) { return Object.assign({ name: name, type: "line", showSymbol: false, data: data }, extra || {}); }
  function draw() {
    var block = document.getElementById("enterprise-data");
    if (!block || typeof echarts === "undefined") { return; }
    var data = JSON.parse(block.textContent), L = data.labels;
    var daily = document.getElementById("enterprise-chart");
    if (daily) {
      var chart = echarts.init(daily, null, { renderer: "svg" });
      chart.setOption({
        tooltip: { trigger: "axis" }, legend: {}, grid: { left: 70, right: 20 },
        xAxis: { type: "category", data: data.days.map(function (d) { return d.date; }) },
        yAxis: { type: "value", name: "kWh" },
        series: [line(L.kwh, data.days.map(function (d) { return d.kwh; }), { showSymbol: true }),
                 line(L.baseline, data.days.map(function (d) { return d.baseline_kwh; }), { lineStyle: { type: "dashed" } }),
                 line(L.threshold, data.days.map(function (d) { return d.threshold_kwh; }), { lineStyle: { type: "dotted" } })]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    }
    var shapeDiv = document.getElementById("shape-chart");
    if (shapeDiv && data.shape) {
      var shape = echarts.init(shapeDiv, null, { renderer: "svg" });
      shape.setOption({
        tooltip: { trigger: "axis" }, legend: {}, grid: { left: 50, right: 20 },
        xAxis: { type: "category", data: data.shape.map(function (d) { return d.date; }) },
        yAxis: { type: "value" },
        series: [line(L.night_day, data.shape.map(function (d) { return d.night_day_ratio; })),
                 line(L.flatness, data.shape.map(function (d) { return d.flatness; }))]
      });
      window.addEventListener("resize", function () { shape.resize(); });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
