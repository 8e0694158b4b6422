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
})();
