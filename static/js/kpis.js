// The KPI dashboard's charts (ECharts): the trend of every figure over the chosen periods,
// with the seeds' targets as dashed lines, and the complaint mix. Data: #kpi-charts.
(function () {
  "use strict";

  const boxes = {};

  function chart(id) {
    const box = document.getElementById(id);
    if (!box || !window.echarts) return null;
    boxes[id] = box;
    return window.echarts.getInstanceByDom(box) || window.echarts.init(box);
  }

  function target(value, label) {
    return {
      silent: true,
      symbol: "none",
      lineStyle: { type: "dashed" },
      label: { position: "insideEndTop", formatter: label + " " + value },
      data: [{ yAxis: value }],
    };
  }

  function line(name, data, extra) {
    return Object.assign({ name: name, type: "line", data: data, connectNulls: false }, extra || {});
  }

  function base(labels, periods, legend) {
    return {
      tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined ? "—" : v) },
      legend: { top: 0, data: legend },
      grid: { left: 48, right: 48, top: 72, bottom: 28 },
      xAxis: { type: "category", data: periods },
    };
  }

  function drawRates(data) {
    const c = chart("kpi-chart-rates");
    if (!c) return;
    const s = data.series, l = data.labels;
    const legend = [l.fcr, l.satisfied, l.callbacks, l.repeat];
    c.setOption(Object.assign(base(l, data.periods, legend), {
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        line(l.fcr, s.fcr, { markLine: target(data.targets.fcr, l.target) }),
        line(l.satisfied, s.satisfied),
        line(l.callbacks, s.callbacks),
        line(l.repeat, s.repeat),
      ],
    }));
  }

  function drawSatisfaction(data) {
    const c = chart("kpi-chart-csat");
    if (!c) return;
    const s = data.series, l = data.labels;
    c.setOption(Object.assign(base(l, data.periods, [l.csat, l.nps]), {
      yAxis: [
        { type: "value", min: 1, max: 5, name: l.csat },
        { type: "value", min: -100, max: 100, name: l.nps },
      ],
      series: [
        line(l.csat, s.csat, { markLine: target(data.targets.csat, l.target) }),
        { name: l.nps, type: "bar", yAxisIndex: 1, data: s.nps, barMaxWidth: 24, itemStyle: { opacity: 0.5 } },
      ],
    }));
  }

  function drawHours(data) {
    const c = chart("kpi-chart-hours");
    if (!c) return;
    const s = data.series, l = data.labels;
    c.setOption(Object.assign(base(l, data.periods, [l.fr_median, l.fr_p90, l.resolution]), {
      yAxis: [
        { type: "value", min: 0, name: "h" },
        { type: "value", min: 0, name: "h" },
      ],
      series: [
        line(l.fr_median, s.fr_median),
        line(l.fr_p90, s.fr_p90, { markLine: target(data.targets.first_response, l.target) }),
        { name: l.resolution, type: "bar", yAxisIndex: 1, data: s.resolution, barMaxWidth: 24, itemStyle: { opacity: 0.5 } },
      ],
    }));
  }

  function drawPie(id, rows) {
    const c = chart(id);
    if (!c) return;
    c.setOption({
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: rows, label: { formatter: "{b}\n{d}%" } }],
    });
  }

  function setUp() {
    const source = document.getElementById("kpi-charts");
    if (!source) return;
    const data = JSON.parse(source.textContent);
    drawRates(data);
    drawSatisfaction(data);
    drawHours(data);
    drawPie("kpi-chart-view", data.mix.view);
    drawPie("kpi-chart-channel", data.mix.channel);
  }

  document.addEventListener("DOMContentLoaded", setUp);
  window.addEventListener("resize", () => {
    Object.values(boxes).forEach((box) => {
      const c = window.echarts && window.echarts.getInstanceByDom(box);
      if (c) c.resize();
    });
  });
})();
