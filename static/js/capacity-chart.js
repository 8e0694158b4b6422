// Moved out of the page's template: the Content-Security-Policy runs scripts from our own files only.
(function () {
  const data = JSON.parse(document.getElementById("capacity-data").textContent);
  new Chart(document.getElementById("capacity-chart"), {
    type: "bar",
    data: { labels: data.labels, datasets: [
      { label: "CSMs needed today", data: data.csms_today, backgroundColor: "#adb5bd" },
      { label: "CSMs needed projected", data: data.csms_projected, backgroundColor: "#0d6efd" },
    ] },
    options: { animation: false, responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
})();
