// Moved out of the page's template: the Content-Security-Policy runs scripts from our own files only.
(function () {
  const data = JSON.parse(document.getElementById("metrics-trend-data").textContent);
  const canvas = document.getElementById("chart-retention-trend");
  if (!canvas) return;
  window.retentionChart = new Chart(canvas, {
    type: "line",
    data: { labels: data.labels, datasets: [
      { label: "GRR (%)", data: data.grr, borderColor: "#0d6efd", backgroundColor: "#0d6efd", spanGaps: false },
      { label: "NRR (%)", data: data.nrr, borderColor: "#198754", backgroundColor: "#198754", spanGaps: false },
    ] },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      scales: { y: { ticks: { callback: (v) => v + "%" } } } },
  });
})();
