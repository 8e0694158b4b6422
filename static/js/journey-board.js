// Moved out of the page's template: the Content-Security-Policy runs scripts from our own files only.
// Dropping a card on another stage opens the same transition form as the Move menu, in a modal.
(function () {
  const next = encodeURIComponent(window.location.pathname + window.location.search);
  document.querySelectorAll(".journey-card[draggable=true]").forEach((card) => {
    card.addEventListener("dragstart", (event) => {
      event.dataTransfer.setData("text/plain", card.dataset.track);
      event.dataTransfer.effectAllowed = "move";
    });
  });
  document.querySelectorAll(".journey-column").forEach((column) => {
    column.addEventListener("dragover", (event) => { event.preventDefault(); column.classList.add("border-primary"); });
    column.addEventListener("dragleave", () => column.classList.remove("border-primary"));
    column.addEventListener("drop", (event) => {
      event.preventDefault();
      column.classList.remove("border-primary");
      const card = document.getElementById("card-" + event.dataTransfer.getData("text/plain"));
      if (!card || card.dataset.stage === column.dataset.stage) return;
      const url = card.dataset.moveUrl + "?to=" + column.dataset.stage + "&next=" + next;
      if (window.htmx) htmx.ajax("GET", url, {target: "#move-modal-body"}); else window.location = url;
    });
  });
  // The transition form arrives in the modal's body: show the modal then.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "move-modal-body") bootstrap.Modal.getOrCreateInstance("#move-modal").show();
  });
})();
