// Draw every <div class="chart" data-chart="bar|line|pie" data-source="JSON script id">.
// The JSON holds labels, values and (optionally) keys, or series [{name, values}] to draw
// instead of values; with data-link, a click on a bar or
// slice opens the link with {key} replaced by that item's key (drill-down).
(function () {
  "use strict";
  function draw(el) {
    var source = document.getElementById(el.dataset.source);
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var kind = el.dataset.chart;
    var chart = echarts.init(el, null, { renderer: "svg" });
    var option;
    if (kind === "pie") {
      option = {
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "70%"],
          data: data.labels.map(function (l, i) { return { name: l, value: data.values[i] }; }) }]
      };
    } else {
      var horizontal = el.dataset.horizontal === "1";
      var cat = { type: "category", data: data.labels, axisLabel: { interval: 0, width: 120, overflow: "truncate" } };
      var val = { type: "value" };
      option = {
        tooltip: { trigger: "axis" },
        grid: { left: horizontal ? 130 : 60, right: 20, top: 20, bottom: 40 },
        xAxis: horizontal ? val : cat,
        yAxis: horizontal ? cat : val,
        series: [{ type: kind, data: data.values, name: el.dataset.name || "" }]
      };
      if (data.series) {
        // Several named series on one axis (e.g. estimated and accounted), with a legend.
        option.legend = { top: 0 };
        option.grid.top = 30;
        option.series = data.series.map(function (s) { return { type: kind, name: s.name, data: s.values }; });
      }
    }
    chart.setOption(option);
    if (el.dataset.link && data.keys) {
      el.style.cursor = "pointer";
      chart.on("click", function (params) {
        var key = data.keys[params.dataIndex];
        window.location.href = el.dataset.link.replace("{key}", encodeURIComponent(key));
      });
    }
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.ready = data.values.length ? "1" : "empty";
  }
  function drawAll() { document.querySelectorAll(".chart[data-chart]").forEach(draw); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else { drawAll(); }
})();
