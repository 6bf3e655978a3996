// The ticket page: keyboard shortcuts for the actions (each opens its form, never submits
// it), canned replies that fill a text box, Ctrl+Enter to send, and the timeline's filter.
(function () {
  "use strict";

  function toggleHelp(show) {
    const help = document.getElementById("work-kbd-help");
    if (help) help.hidden = show === undefined ? !help.hidden : !show;
  }

  function open(key) {
    const target = document.querySelector('[data-shortcut="' + key + '"]');
    if (!target) return false;
    if (target.tagName === "DETAILS") {
      target.open = true;
      target.scrollIntoView({ block: "nearest" });
      const field = target.querySelector("textarea, input:not([type=hidden]), select, button");
      if (field) field.focus();
    } else {
      target.scrollIntoView({ block: "nearest" });
      target.focus();
    }
    return true;
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.closest && target.closest("input, select, textarea, [contenteditable]")) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.form) {
        event.preventDefault();
        target.form.requestSubmit();
      } else if (event.key === "Escape") {
        target.blur();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (event.key === "Escape") { toggleHelp(false); return; }
    if (event.key.length === 1 && open(event.key)) event.preventDefault();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-work-help]")) { toggleHelp(); return; }
    const chip = event.target.closest("[data-timeline-filter]");
    if (!chip) return;
    const kind = chip.dataset.timelineFilter;
    document.querySelectorAll("[data-timeline-filter]").forEach((b) => b.classList.toggle("active", b === chip));
    document.querySelectorAll(".timeline li[data-kind]").forEach((li) => {
      li.hidden = Boolean(kind) && li.dataset.kind !== kind;
    });
  });

  // A canned reply fills the box it names; the agent edits it before sending.
  document.addEventListener("change", (event) => {
    const picker = event.target.closest("select[data-macro-target]");
    if (!picker) return;
    const option = picker.selectedOptions[0];
    const box = document.querySelector(picker.dataset.macroTarget);
    if (!box || !option || !option.dataset.body) return;
    box.value = option.dataset.body;
    box.focus();
  });
})();
