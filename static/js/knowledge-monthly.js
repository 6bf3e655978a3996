// The monthly report's problems as bars, this month against the previous one (the table holds
// the figures). The data comes from the json_script block "monthly-chart-data".
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("monthly-chart");
  const source = document.getElementById("monthly-chart-data");
  if (!box || !source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  box.style.height = `${data.height}px`;
  window.echarts.init(box).setOption({
    tooltip: {trigger: "axis"},
    legend: {top: 0, data: [data.labels.this_month, data.labels.previous]},
    grid: {top: 32, left: 8, right: 16, bottom: 8, containLabel: true},
    xAxis: {type: "value", minInterval: 1},
    yAxis: {type: "category", data: data.subjects, inverse: true},
    series: [
      {name: data.labels.this_month, type: "bar", data: data.this_month, itemStyle: {color: "#cf222e"}},
      {name: data.labels.previous, type: "bar", data: data.previous, itemStyle: {color: "#8c959f"}},
    ],
  });
});
