// The team page: "select all" and the selected count for bulk reassign, and the team
// switcher. The countdowns tick in countdown.js.
(function () {
  "use strict";

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
  document.addEventListener("htmx:afterSwap", showCount);
  document.addEventListener("DOMContentLoaded", showCount);
})();
