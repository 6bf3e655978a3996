// Live hints on the website form: while the customer types, ask the triage endpoint what is
// still missing (scene, symptom, what was tried) and list its prompts under the description.
// Hints are a nicety: on any failure the list stays empty and the form works as before.
(function () {
  "use strict";
  const form = document.querySelector("form[data-triage-url]");
  const box = document.getElementById("hints");
  if (!form || !box || !window.fetch) return;
  const list = box.querySelector("ul");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const textFields = ["description", "scene", "symptom", "tried", "product_model"];
  let timer = null;
  let latest = 0;
  // The contact-time hint: the SLA preview for the tier triage sees in the description.
  const contactHint = document.getElementById("contact-hint");
  const previewUrl = form.dataset.slaPreviewUrl || "";
  let previewed = { tier: "", at: 0 };

  function body() {
    const data = {};
    for (const name of textFields) {
      const value = (form.elements[name] && form.elements[name].value.trim()) || "";
      if (value) data[name] = value;
    }
    const urgency = form.querySelector("input[name=customer_urgency]:checked");
    if (urgency) data.urgency_self = urgency.value;
    return data;
  }

  function show(missing) {
    form.querySelectorAll(".field.missing").forEach((el) => el.classList.remove("missing"));
    const items = missing.map((item) => {
      const field = typeof item === "string" ? "" : item.field || "";
      const prompt = typeof item === "string" ? item : item.prompt || "";
      const li = document.createElement("li");
      const input = field && form.elements[field];
      if (input && input.focus) {
        // A tap on the prompt takes the customer to the field that answers it.
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = prompt;
        button.addEventListener("click", () => input.focus());
        li.appendChild(button);
        const wrapper = input.closest(".field");
        if (wrapper) wrapper.classList.add("missing");
      } else {
        li.textContent = prompt;
      }
      li.dataset.field = field;
      return li;
    });
    list.replaceChildren(...items.filter((li) => li.textContent));
    box.hidden = list.children.length === 0;
  }

  async function showContactTime(tier) {
    if (!contactHint || !previewUrl || !tier) return;
    // Ask again only when the tier changes, or a minute later (the promise moves with now).
    if (tier === previewed.tier && Date.now() - previewed.at < 60000) return;
    previewed = { tier: tier, at: Date.now() };
    try {
      const response = await fetch(`${previewUrl}?tier=${encodeURIComponent(tier)}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const due = (await response.json()).first_contact_due_at || "";
      // Shanghai time with its +08:00 offset: show the wall time as written, whatever the
      // browser's own time zone.
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(due)) return;
      contactHint.querySelector("strong").textContent = `${due.slice(0, 10)} ${due.slice(11, 16)}`;
      contactHint.hidden = false;
    } catch (error) {
      // No hint: the result page still shows the time after submitting.
    }
  }

  async function ask() {
    const data = body();
    if (!data.description) return show([]);
    const mine = ++latest;
    try {
      const response = await fetch(form.dataset.triageUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(data),
      });
      if (!response.ok) return;
      const result = await response.json();
      // An older answer arriving after a newer question is dropped.
      if (mine !== latest) return;
      show(Array.isArray(result.missing) ? result.missing : []);
      showContactTime(typeof result.tier === "string" ? result.tier : "");
    } catch (error) {
      // Offline or endpoint missing: no hints.
    }
  }

  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, 400);
  });
  if (form.elements.description && form.elements.description.value.trim()) ask();
})();
