// Progressive enhancement only: every form works without this file.
"use strict";

function csrfFrom(form) {
  const field = form.querySelector('input[name="csrf_token"]');
  return field ? field.value : "";
}

// Upvote without a page reload; falls back to the form post on any failure.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.classList || !form.classList.contains("vote")) return;
  event.preventDefault();
  try {
    const response = await fetch(form.action, {
      method: "POST",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrfFrom(form) },
      body: new FormData(form),
      credentials: "same-origin",
      redirect: "manual",
    });
    if (response.type === "opaqueredirect" || response.status === 401) {
      form.submit();
      return;
    }
    if (!response.ok) throw new Error(String(response.status));
    const state = await response.json();
    const button = form.querySelector("button.upvote");
    button.classList.toggle("voted", state.voted);
    button.setAttribute("aria-pressed", state.voted ? "true" : "false");
    button.querySelector(".count").textContent = String(state.upvotes);
  } catch (error) {
    form.submit();
  }
});

// Copy buttons: <button class="copy" data-copy="element-id">.
document.addEventListener("click", async (event) => {
  const button = event.target.closest ? event.target.closest("button.copy") : null;
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent);
    button.textContent = "Copied";
  } catch (error) {
    const range = document.createRange();
    range.selectNodeContents(source);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
  }
});

// The date picker jumps as soon as a date is chosen.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (input.matches && input.matches(".datepicker input[type=date]") && input.value) {
    input.form.submit();
  }
});
