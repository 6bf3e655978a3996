// Switching the language submits its form (no inline handler: the CSP refuses those).
document.addEventListener("change", (event) => {
  const select = event.target.closest("form.lang select[name=language]");
  if (select) select.form.submit();
});
