// The ticket queues: the rows refreshed every minute and keyboard shortcuts (j/k, Enter, /,
// g + queue letter, ?). The countdowns tick in countdown.js.
(function () {
  "use strict";
  const REFRESH_MS = 60000;

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

  setInterval(refresh, REFRESH_MS);
})();
