// The ticket queues: live SLA countdowns (every second), the rows refreshed every minute, and
// keyboard shortcuts (j/k, Enter, /, g + queue letter, ?). Wording follows sla-dashboard.js.
(function () {
  "use strict";
  const zh = document.documentElement.lang.startsWith("zh");
  const REFRESH_MS = 60000;

  function span(ms) {
    const seconds = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (d) return zh ? d + "天" + h + "小时" : d + " d " + h + " h";
    if (h) return zh ? h + "小时" + m + "分" : h + " h " + m + " min";
    return zh ? m + "分" + s + "秒" : m + " min " + s + " s";
  }

  // The same rule as Ticket.sla_state: at risk under a quarter of the window left.
  function state(left, due, received) {
    if (left < 0) return "breached";
    return !Number.isNaN(received) && left * 4 < due - received ? "at_risk" : "on_time";
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll("#ticket-rows [data-due]").forEach((el) => {
      const due = Date.parse(el.dataset.due);
      if (Number.isNaN(due)) return;
      const left = due - now;
      el.textContent = left < 0 ? (zh ? "已超时 " : "overdue ") + span(left) : (zh ? "剩余 " : "in ") + span(left);
      const current = state(left, due, Date.parse(el.dataset.received));
      ["on_time", "at_risk", "breached"].forEach((s) => el.classList.toggle("due-" + s, s === current));
    });
  }

  function rows() { return Array.from(document.querySelectorAll("#ticket-rows tr.ticket-row")); }

  function select(step) {
    const all = rows();
    if (!all.length) return;
    const at = all.findIndex((r) => r.classList.contains("selected"));
    const next = Math.max(0, Math.min(all.length - 1, at < 0 ? 0 : at + step));
    all.forEach((r, i) => r.classList.toggle("selected", i === next));
    all[next].scrollIntoView({ block: "nearest" });
  }

  function toggleHelp(show) {
    const help = document.getElementById("kbd-help");
    if (help) help.hidden = show === undefined ? !help.hidden : !show;
  }

  let pendingG = false;
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest && target.closest("input, select, textarea, [contenteditable]")) {
      if (event.key === "Escape") target.blur();
      return;
    }
    if (pendingG) {
      pendingG = false;
      const tab = document.querySelector('.queue-tabs [data-key="' + event.key + '"]');
      if (tab) { event.preventDefault(); window.location.href = tab.href; }
      return;
    }
    switch (event.key) {
      case "j": select(1); break;
      case "k": select(-1); break;
      case "Enter": {
        const link = document.querySelector("#ticket-rows tr.selected a");
        if (link) window.location.href = link.href; else return;
        break;
      }
      case "/": {
        const field = document.querySelector("#ticket-filters select, #ticket-filters input:not([type=hidden])");
        if (field) field.focus();
        break;
      }
      case "g": pendingG = true; setTimeout(() => { pendingG = false; }, 1500); break;
      case "?": toggleHelp(); break;
      case "Escape": toggleHelp(false); return;
      default: return;
    }
    event.preventDefault();
  });

  // A saved filter keeps the query the list shows now (htmx may have changed it).
  document.addEventListener("submit", (event) => {
    if (event.target.id !== "save-filter") return;
    event.target.elements.query.value = window.location.search.replace(/^\?/, "");
  });

  function refresh() {
    if (document.hidden || !window.htmx) return;
    window.htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#ticket-rows" });
  }

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 1000);
  setInterval(refresh, REFRESH_MS);
})();
