// Moved out of the page's template: the Content-Security-Policy runs scripts from our own files only.
// Only the reasons that fit the chosen outcome: churn reasons for a churn, contraction ones for a contraction.
(function () {
  const outcome = document.getElementById("id_outcome"), reason = document.getElementById("id_outcome_reason");
  const fit = () => {
    const wanted = {churned: "churn", contracted: "contraction"}[outcome.value];
    reason.querySelectorAll("option[data-applies]").forEach((option) => {
      option.hidden = Boolean(wanted) && option.dataset.applies !== wanted && option.dataset.applies !== "both";
    });
  };
  outcome.addEventListener("change", fit); fit();
})();
