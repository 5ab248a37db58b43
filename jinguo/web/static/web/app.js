// Jinguo page behaviour. No inline scripts anywhere (CSP script-src 'self').
(function () {
  "use strict";

  // <select data-autosubmit> submits its form on change (the unit switcher).
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("[data-autosubmit]")) { el.form.submit(); }
  });

  // <button data-confirm="..."> asks before submitting.
  document.addEventListener("click", function (e) {
    var el = e.target.closest ? e.target.closest("[data-confirm]") : null;
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { e.preventDefault(); }
  });

  // Charts: <div class="chart" data-chart="id-of-json-script" data-kind="coverage">.
  function drawCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var src = document.getElementById(el.getAttribute("data-chart"));
      if (!src || el.getAttribute("data-drawn")) { return; }
      var data = JSON.parse(src.textContent);
      var chart = echarts.init(el, null, { renderer: "canvas" });
      var kind = el.getAttribute("data-kind");
      if (kind === "coverage") {
        chart.setOption({
          tooltip: { trigger: "axis" },
          legend: { data: ["已建妇联", "未建妇联"], top: 0 },
          grid: { left: 10, right: 10, top: 36, bottom: 10, containLabel: true },
          xAxis: {
            type: "category",
            data: data.labels,
            axisLabel: { interval: 0, rotate: data.labels.length * 70 > el.clientWidth ? 30 : 0, width: 84, overflow: "truncate" }
          },
          yAxis: { type: "value", minInterval: 1 },
          series: [
            { name: "已建妇联", type: "bar", stack: "n", barMaxWidth: 48, data: data.established, itemStyle: { color: "#b0174f" } },
            { name: "未建妇联", type: "bar", stack: "n", barMaxWidth: 48, data: data.missing, itemStyle: { color: "#f0b6c9" } }
          ]
        });
      }
      if (kind === "bar") {
        chart.setOption({
          tooltip: { trigger: "axis" },
          grid: { left: 10, right: 10, top: 16, bottom: 10, containLabel: true },
          xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0 } },
          yAxis: { type: "value", minInterval: 1 },
          series: [{ type: "bar", barMaxWidth: 48, data: data.values, itemStyle: { color: "#b0174f" }, label: { show: true, position: "top" } }]
        });
      }
      if (kind === "pie") {
        // On a phone the names beside the ring would be cut to one character: the counts go on
        // the ring, and the legend below it wraps to show every name (no paging).
        var narrow = el.clientWidth < 480;
        chart.setOption({
          tooltip: { trigger: "item", formatter: "{b}: {c}件 ({d}%)" },
          legend: narrow ? { bottom: 0, type: "plain", itemGap: 8 } : { bottom: 0, type: "scroll" },
          color: ["#b0174f", "#e0457b", "#f29bb8", "#7a4b8c", "#4f7cac", "#7fb069", "#c8a951", "#999999"],
          series: [{
            type: "pie", radius: narrow ? ["28%", "55%"] : ["35%", "65%"], center: ["50%", narrow ? "36%" : "45%"], data: data,
            label: narrow ? { position: "inside", formatter: "{c}", color: "#fff", fontWeight: "bold" } : { formatter: "{b} {c}" },
            labelLine: { show: !narrow },
            minShowLabelAngle: narrow ? 12 : 0,  // a sliver's count would run into its neighbour's
            labelLayout: { hideOverlap: true }
          }]
        });
      }
      el.setAttribute("data-drawn", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function (e) { drawCharts(e.target); });
})();
