// Moved out of the page's template: the Content-Security-Policy runs scripts from our own files only.
(function () {
  const data = JSON.parse(document.getElementById("health-trend-data").textContent);
  const flat = (value) => data.days.map(() => value);
  window.healthTrendChart = new Chart(document.getElementById("health-trend"), {
    type: "line",
    data: { labels: data.days, datasets: [
      { label: "Health", data: data.scores, borderColor: "#0d6efd", backgroundColor: "#0d6efd", tension: 0.2, pointRadius: data.days.length > 30 ? 0 : 3, spanGaps: true },
      { label: "Green from " + data.green_from, data: flat(data.green_from), borderColor: "#198754", borderDash: [6, 4], borderWidth: 1, pointRadius: 0 },
      { label: "Yellow from " + data.yellow_from, data: flat(data.yellow_from), borderColor: "#ffc107", borderDash: [6, 4], borderWidth: 1, pointRadius: 0 },
    ] },
    options: { animation: false, responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
      scales: { y: { min: 0, max: 100, ticks: { stepSize: 20 } } } },
  });
})();
