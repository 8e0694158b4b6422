// Moved out of the page's template: the Content-Security-Policy runs scripts from our own files only.
(function () {
  const data = JSON.parse(document.getElementById("forecast-data").textContent);
  const canvas = document.getElementById("chart-forecast");
  const colours = {commit: "#198754", best_case: "#ffc107", at_risk: "#dc3545"};
  window.renewalForecastChart = new Chart(canvas, {
    type: "bar",
    data: {labels: data.labels, datasets: data.series.map((s) => ({label: s.label, data: s.data, backgroundColor: colours[s.key]}))},
    options: {maintainAspectRatio: false, plugins: {legend: {position: "bottom"}}, scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true, title: {display: true, text: "ARR (" + canvas.dataset.currency + ")"}}}},
  });
})();
