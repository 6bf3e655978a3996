// Live SLA countdowns on every page: each element with data-due (and data-received, the start
// of its window) shows the time left or overdue, every second, coloured on time / at risk /
// breached by the same rule as Ticket.sla_state. Rows swapped in by htmx are picked up on the
// next tick.
(function () {
  "use strict";
  const zh = document.documentElement.lang.startsWith("zh");

  function span(ms) {
    const seconds = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (d) return zh ? d + "天" + h + "小时" : d + " d " + h + " h";
    if (h) return zh ? h + "小时" + m + "分" : h + " h " + m + " min";
    return zh ? m + "分" + s + "秒" : m + " min " + s + " s";
  }

  // At risk under a quarter of the window left.
  function state(left, due, received) {
    if (left < 0) return "breached";
    return !Number.isNaN(received) && left * 4 < due - received ? "at_risk" : "on_time";
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-due]").forEach((el) => {
      const due = Date.parse(el.dataset.due);
      if (Number.isNaN(due)) return;
      const left = due - now;
      el.textContent = left < 0 ? (zh ? "已超时 " : "overdue ") + span(left) : (zh ? "剩余 " : "in ") + span(left);
      const current = state(left, due, Date.parse(el.dataset.received));
      ["on_time", "at_risk", "breached"].forEach((s) => el.classList.toggle("due-" + s, s === current));
    });
  }

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 1000);
})();
