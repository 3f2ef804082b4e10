// Progressive enhancement only: every form works without this file.
"use strict";

function csrfFrom(form) {
  const field = form.querySelector('input[name="csrf_token"]');
  return field ? field.value : "";
}

// Upvote without a page reload; falls back to the form post on any failure.
// The form says the state it wants (voted=1 or 0), so a repeated request changes nothing,
// and clicks while a request is pending are ignored: a double click votes once.
function showVote(form, state) {
  const button = form.querySelector("button.upvote");
  button.classList.toggle("voted", state.voted);
  button.setAttribute("aria-pressed", state.voted ? "true" : "false");
  button.title = state.voted ? "Remove your upvote" : "Upvote";
  button.querySelector(".count").textContent = state.upvotes ? String(state.upvotes) : "";
  form.querySelector('input[name="voted"]').value = state.voted ? "0" : "1";
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.classList || !form.classList.contains("vote")) return;
  event.preventDefault();
  if (form.dataset.pending) return;
  form.dataset.pending = "1";
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
    showVote(form, await response.json());
  } catch (error) {
    form.submit();
  } finally {
    delete form.dataset.pending;
  }
});

// Deleting asks first: a dialog here, a confirmation page without this script.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.dataset || !form.dataset.confirm) return;
  if (!window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "confirmed";
  field.value = "1";
  form.appendChild(field);
});

// Clamped abstracts on search cards open with "more".
for (const abstract of document.querySelectorAll("p.abstract.clamp")) {
  if (abstract.scrollHeight <= abstract.clientHeight + 2) continue;
  const more = document.createElement("button");
  more.type = "button";
  more.className = "link more";
  more.textContent = "more";
  more.addEventListener("click", () => {
    abstract.classList.remove("clamp");
    more.remove();
  });
  abstract.after(more);
}

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

// The date picker jumps when a day is picked from its calendar, never while a date is typed:
// typing waits for Enter or Go (the form's own submit). A picked date must be plausible.
function plausibleDay(value) {
  const year = Number(value.slice(0, 4));
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && year >= 1991 && year <= new Date().getFullYear() + 1;
}

document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (input.matches && input.matches(".datepicker input[type=date]")) {
    input.dataset.typed = "1";
  }
});

document.addEventListener("change", (event) => {
  const input = event.target;
  if (!input.matches || !input.matches(".datepicker input[type=date]")) return;
  if (input.dataset.typed || !plausibleDay(input.value)) return;
  input.form.submit();
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.classList || !form.classList.contains("datepicker")) return;
  const input = form.querySelector("input[type=date]");
  if (!plausibleDay(input.value)) {
    event.preventDefault();
    input.setCustomValidity("Pick a day between 1991 and next year.");
    input.reportValidity();
  }
});

document.addEventListener("input", (event) => {
  if (event.target.setCustomValidity) event.target.setCustomValidity("");
});

// On a phone the search filters start folded behind "Filters", so results come first.
if (window.matchMedia("(max-width: 600px)").matches) {
  for (const box of document.querySelectorAll("details.filters-box")) box.open = false;
}
