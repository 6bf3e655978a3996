// The hotline form: the live read-back line, and pre-filling the caller when a call rings.
(function () {
  const form = document.getElementById("hotline-form");
  if (!form) return;
  const box = document.getElementById("readback");
  const line = document.getElementById("readback-line");

  function value(name, fallback) {
    const v = (form.elements[name].value || "").trim();
    return v || fallback;
  }
  function updateReadback() {
    line.textContent = box.dataset.template
      .replace("{product}", value("product_model", box.dataset.productDefault))
      .replace("{scene}", value("scene", box.dataset.sceneDefault))
      .replace("{symptom}", value("symptom", box.dataset.symptomDefault));
  }
  ["product_model", "scene", "symptom"].forEach(function (name) {
    form.elements[name].addEventListener("input", updateReadback);
  });

  function fillCall(ringing) {
    form.elements.phone.value = ringing.dataset.phone;
    form.elements.call.value = ringing.dataset.call;
    form.elements.phone.dispatchEvent(new Event("input", { bubbles: true }));
    form.elements.phone.dispatchEvent(new Event("change", { bubbles: true }));
  }
  // Pre-fill on ring when the agent has not started typing a number; otherwise offer a button.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id !== "ringing") return;
    const ringing = event.target.querySelector(".ringing");
    if (ringing && !form.elements.phone.value && !form.elements.call.value) fillCall(ringing);
  });
  document.body.addEventListener("click", function (event) {
    if (event.target.matches("[data-fill-call]")) fillCall(event.target.closest(".ringing"));
  });
})();
