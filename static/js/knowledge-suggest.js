// Self-service on the website form: while the customer describes the problem, show up to
// three public articles that may solve it (a fragment from knowledge:public_suggest).
// A nicety: on any failure the box stays hidden and the form works as before.
(function () {
  "use strict";
  const box = document.getElementById("kb-suggest");
  const form = box && box.closest("form");
  const field = form && form.elements.description;
  if (!box || !field || !window.fetch) return;
  let timer = null;
  let latest = 0;
  let asked = "";

  async function ask() {
    const text = field.value.trim();
    if (text === asked) return;
    asked = text;
    const mine = ++latest;
    if (text.length < 2) {
      box.replaceChildren();
      box.hidden = true;
      return;
    }
    try {
      const response = await fetch(`${box.dataset.url}?q=${encodeURIComponent(text)}`, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (!response.ok || mine !== latest) return;
      // The fragment is our own server's, every customer-typed character escaped there.
      box.innerHTML = await response.text();
      box.hidden = box.children.length === 0;
    } catch (error) {
      // Offline: no suggestions.
    }
  }

  field.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, 500);
  });
  if (field.value.trim()) ask();
})();
