// The SLA dashboard: the 30-day trend chart (ECharts) and live countdowns. Both are set up
// again after htmx swaps the panel in (every minute).
(function () {
  "use strict";
  const zh = document.documentElement.lang.startsWith("zh");

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

  function span(ms) {
    const minutes = Math.floor(Math.abs(ms) / 60000);
    const h = Math.floor(minutes / 60), m = minutes % 60;
    if (zh) return (h ? h + "小时" : "") + m + "分";
    return (h ? h + " h " : "") + m + " min";
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach((el) => {
      const left = Date.parse(el.dataset.due) - now;
      if (Number.isNaN(left)) return;
      el.textContent = left < 0 ? (zh ? "已超时 " : "overdue ") + span(left) : (zh ? "剩余 " : "") + span(left);
      el.classList.toggle("due-breached", left < 0);
    });
  }

  function setUp() { drawTrend(); tick(); }
  document.addEventListener("DOMContentLoaded", setUp);
  document.addEventListener("htmx:afterSwap", setUp);
  window.addEventListener("resize", () => {
    const box = document.getElementById("sla-trend-chart");
    const chart = box && window.echarts && window.echarts.getInstanceByDom(box);
    if (chart) chart.resize();
  });
  setInterval(tick, 1000);
})();
