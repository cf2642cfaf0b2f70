// Draw every <div class="chart" data-chart="bar|line|pie" data-source="JSON script id">.
// The JSON holds labels, values and (optionally) keys, or series [{name, values}] to draw
// instead of values; with data-link, a click on a bar or
// slice opens the link with {key} replaced by that item's key (drill-down).
(function () {
  "use strict";
  var short = (typeof Intl !== "undefined" && Intl.NumberFormat) ?
    new Intl.NumberFormat(document.documentElement.lang || undefined,
      { notation: "compact", maximumFractionDigits: 1 }) : null;
  function compact(value) { return short ? short.format(value) : String(value); }
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
      // ECharts picks the label interval and hides labels that would overlap (34 months or
      // 31 days on a narrow chart); value labels are compact (50万 / 500K).
      var cat = { type: "category", data: data.labels,
        axisLabel: { interval: "auto", hideOverlap: true, margin: 12, width: 120, overflow: "truncate" } };
      var val = { type: "value", splitNumber: 4,
        axisLabel: { hideOverlap: true, formatter: compact } };
      option = {
        tooltip: { trigger: "axis" },
        grid: { left: 10, right: 20, top: 20, bottom: 10, containLabel: true },
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
