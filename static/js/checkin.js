// Door check-in: a tap on "Here" posts in the background and updates the button,
// so the list does not jump on a phone. Without this file (or when the request
// fails) the form posts normally and the page shows the true state afterwards.
"use strict";

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-checkin")) {
    return;
  }
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`);
    }
    const data = await response.json();
    button.setAttribute("aria-pressed", String(data.here));
    form.elements.namedItem("here").value = data.here ? "0" : "1";
    form.closest(".checkin-row")?.classList.toggle("is-here", data.here);
    const count = document.querySelector("[data-here-count]");
    if (count) {
      count.textContent = String(data.here_count);
    }
    button.disabled = false;
  } catch {
    // Let the browser post the form itself; the next page tells the truth.
    form.submit();
  }
});
