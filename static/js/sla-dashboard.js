// The SLA dashboard: the 30-day trend chart (ECharts), drawn again after htmx swaps the panel
// in (every minute). The countdowns tick in countdown.js.
(function () {
  "use strict";

  function drawTrend() {
    const data = document.getElementById("sla-trend");
    const box = document.getElementById("sla-trend-chart");
    if (!data || !box || !window.echarts) return;
    const trend = JSON.parse(data.textContent);
    const chart = window.echarts.getInstanceByDom(box) || window.echarts.init(box);
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: (v) => (v === null ? "—" : v + "%") },
      legend: { top: 0, data: [trend.labels.first_contact, trend.labels.resolve] },
      grid: { left: 48, right: 16, top: 40, bottom: 28 },
      xAxis: { type: "category", data: trend.days },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: trend.labels.first_contact, type: "line", data: trend.first_contact, connectNulls: false },
        { name: trend.labels.resolve, type: "line", data: trend.resolve, connectNulls: false },
      ],
    });
  }

  function setUp() { drawTrend(); }
  document.addEventListener("DOMContentLoaded", setUp);
  document.addEventListener("htmx:afterSwap", setUp);
  window.addEventListener("resize", () => {
    const box = document.getElementById("sla-trend-chart");
    const chart = box && window.echarts && window.echarts.getInstanceByDom(box);
    if (chart) chart.resize();
  });
})();
