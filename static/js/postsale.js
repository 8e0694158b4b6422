// Behaviour the templates ask for with data-* attributes, so that no page needs an inline script or
// an on*="" handler: the Content-Security-Policy runs scripts from our own files only.
(function () {
  // data-confirm on a form or on its submit button: ask first, and send nothing if the answer is no.
  // Capture phase on the document, so that htmx never sees a cancelled submit either.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const message = (event.submitter && event.submitter.dataset.confirm) || form.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
  // data-select-on-click: a read-only field meant to be copied (a feed link).
  document.addEventListener("click", (event) => {
    const field = event.target.closest("[data-select-on-click]");
    if (field) field.select();
  });
  // data-autosubmit: a filter that applies as soon as it changes.
  document.addEventListener("change", (event) => {
    const field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
  // data-task-keys: a task list worked from the keyboard. j/k move between rows ([data-task-row]), x ticks the
  // row's box, c puts the cursor in its note (Enter completes), s in its snooze day. Real buttons underneath,
  // so Tab and Enter do the same without these keys; nothing happens while one types in a field.
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) {
      // Escape leaves a row's field for the row, where the keys work again.
      const row = event.key === "Escape" && target.closest("[data-task-row]");
      if (row) row.focus();
      return;
    }
    const list = document.querySelector("[data-task-keys]");
    if (!list) return;
    const rows = Array.from(list.querySelectorAll("[data-task-row]"));
    if (!rows.length) return;
    const current = target.closest ? target.closest("[data-task-row]") : null;
    const index = current ? rows.indexOf(current) : -1;
    const key = event.key;
    if (key === "j" || key === "k") {
      const next = key === "j" ? Math.min(index + 1, rows.length - 1) : Math.max(index - 1, 0);
      rows[next].focus();
      event.preventDefault();
      return;
    }
    if (!current) return;
    const pick = { x: "[data-task-select]", c: "[data-task-note]", s: "[data-task-snooze]" }[key];
    const field = pick && current.querySelector(pick);
    if (!field) return;
    event.preventDefault();
    if (key === "x") {
      if (!field.disabled) field.checked = !field.checked;
    } else {
      field.focus();
    }
  });
})();
