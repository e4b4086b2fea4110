/* Dashboard behaviour: keyboard-operable sortable tables, bar charts from tables, explorer curves.
   Everything works without JavaScript too: tables are complete, charts only repeat them. */
(function () {
  "use strict";

  // --- sortable tables: a <button> in each header, aria-sort on the sorted column -------------
  function cellValue(row, index, type) {
    var cell = row.children[index];
    if (!cell) return "";
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (type === "number") { var n = parseFloat(raw); return isNaN(n) ? -Infinity : n; }
    return raw;
  }
  function sortTable(table, index, type, button) {
    var th = button.closest("th");
    var descending = th.getAttribute("aria-sort") !== "descending";
    table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, type), y = cellValue(b, index, type);
      var c = type === "number" ? x - y : String(x).localeCompare(String(y), "zh-CN");
      return descending ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function makeSortable(table) {
    table.querySelectorAll("thead th").forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () { sortTable(table, index, th.getAttribute("data-type"), button); });
    });
  }

  // --- bars: one horizontal bar per table row (R), drawn from the table itself -----------------
  function barsFromTable(div) {
    var table = document.getElementById(div.getAttribute("data-bars"));
    if (!table || !window.echarts) return;
    var names = [], values = [];
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      names.push(row.querySelector("th").textContent.trim());
      var v = parseFloat(row.children[2].getAttribute("data-value"));
      values.push(isNaN(v) ? null : Math.round(v * 100) / 100);
    });
    names.reverse(); values.reverse();
    div.style.height = Math.max(160, 22 * names.length + 40) + "px";
    var chart = echarts.init(div, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 40, top: 8, bottom: 24, containLabel: true },
      xAxis: { type: "value", max: 100, name: "R" },
      yAxis: { type: "category", data: names, axisLabel: { interval: 0 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      series: [{ type: "bar", data: values, itemStyle: { color: "#1f5fa8" },
                 label: { show: true, position: "right", formatter: function (p) { return p.value == null ? "" : p.value.toFixed(1); } } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // --- explorer: N, E, R of every series on one time axis, holiday and Spring Festival marked ---
  // R, N and E each have their own colour family (blue, orange, green); series differ by line style
  // (solid, dashed, dotted, dash-dot …) and by shade, so both are told apart in colour and in print.
  var FAMILY = {
    index: ["#1f5fa8", "#0b3d6e", "#5b9bd5", "#28527a"],
    resumed_share: ["#c05600", "#8a3500", "#f08c2e", "#a0522d"],
    energy_ratio: ["#2e7d32", "#1b4d1f", "#66a84a", "#33691e"]
  };
  var DASHES = ["solid", "dashed", "dotted", [8, 3, 2, 3], [12, 4], [2, 6], [10, 2, 2, 2, 2, 2], [4, 4]];

  function explorerChart() {
    var div = document.getElementById("explorer-chart");
    var source = document.getElementById("explorer-data");
    if (!div || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(div, null, { renderer: "svg" });
    document.querySelectorAll(".swatch[data-series-index]").forEach(function (s) {
      var i = parseInt(s.getAttribute("data-series-index"), 10);
      var dash = DASHES[i % DASHES.length];
      s.style.background = "none";
      s.style.borderTop = "3px " + (typeof dash === "string" ? dash : "dashed") + " " + FAMILY.index[i % 4];
    });
    function draw() {
      var metrics = Array.prototype.map.call(document.querySelectorAll("input[name=metric]:checked"), function (i) { return i.value; });
      var lines = [];
      data.series.forEach(function (s, si) {
        metrics.forEach(function (m) {
          lines.push({
            name: (data.display[si] || s.name || s.code) + " " + data.labels[m], type: "line", showSymbol: false,
            lineStyle: { type: DASHES[si % DASHES.length], width: m === "index" ? 2.5 : 1.8 },
            color: FAMILY[m][si % FAMILY[m].length],
            data: s.rows.map(function (r) { return [r.date, r[m] == null ? null : Math.round(r[m] * 100) / 100]; })
          });
        });
      });
      if (lines.length) {
        var marks = data.marks;
        lines[0].markArea = { silent: true, itemStyle: { color: "rgba(179,38,30,0.08)" },
          label: { position: "insideBottom", color: "#5b6675" }, data: [
          [{ name: data.labels.holiday, xAxis: marks.holiday.start }, { xAxis: marks.holiday.end }],
          [{ name: data.labels.baseline, xAxis: marks.baseline.start, itemStyle: { color: "rgba(31,95,168,0.08)" } }, { xAxis: marks.baseline.end }]
        ] };
        lines[0].markLine = { silent: true, symbol: "none", lineStyle: { color: "#b3261e" },
          label: { formatter: data.labels.spring_festival }, data: [{ xAxis: marks.spring_festival }] };
      }
      chart.setOption({
        animation: false,
        legend: { type: "scroll", top: 0 },
        grid: { left: 8, right: 16, top: 40, bottom: 56, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "time" },
        yAxis: { type: "value", min: 0, max: 100 },
        dataZoom: [{ type: "slider", bottom: 8 }],
        series: lines
      }, true);
    }
    document.querySelectorAll("input[name=metric]").forEach(function (i) { i.addEventListener("change", draw); });
    draw();
    window.addEventListener("resize", function () { chart.resize(); });
    window.addEventListener("beforeprint", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable").forEach(makeSortable);
    document.querySelectorAll("[data-bars]").forEach(barsFromTable);
    explorerChart();
  });
})();
