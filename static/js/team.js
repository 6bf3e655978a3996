// The team page: "select all" and the selected count for bulk reassign, the team switcher,
// and live SLA countdowns in the ticket list (the same rule and wording as queue.js).
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

  // As Ticket.sla_state: at risk under a quarter of the window left.
  function state(left, due, received) {
    if (left < 0) return "breached";
    return !Number.isNaN(received) && left * 4 < due - received ? "at_risk" : "on_time";
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll("#team-ticket-rows [data-due]").forEach((el) => {
      const due = Date.parse(el.dataset.due);
      if (Number.isNaN(due)) return;
      const left = due - now;
      el.textContent = left < 0 ? (zh ? "已超时 " : "overdue ") + span(left) : (zh ? "剩余 " : "in ") + span(left);
      const current = state(left, due, Date.parse(el.dataset.received));
      ["on_time", "at_risk", "breached"].forEach((s) => el.classList.toggle("due-" + s, s === current));
    });
  }

  function boxes() { return Array.from(document.querySelectorAll('#team-ticket-rows input[name="tickets"]')); }

  function showCount() {
    const chosen = boxes().filter((box) => box.checked).length;
    const label = document.querySelector("[data-selected-count]");
    if (label) label.textContent = chosen ? "(" + chosen + ")" : "";
    const all = document.querySelector("[data-select-all]");
    if (all) all.checked = chosen > 0 && chosen === boxes().length;
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches("[data-select-all]")) {
      boxes().forEach((box) => { box.checked = target.checked; });
    }
    if (target.matches("[data-autosubmit]")) target.form.submit();
    showCount();
  });
  document.addEventListener("htmx:afterSwap", () => { showCount(); tick(); });
  document.addEventListener("DOMContentLoaded", () => { showCount(); tick(); setInterval(tick, 1000); });
})();
