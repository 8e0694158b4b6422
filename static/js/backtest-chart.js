// Moved out of the page's template: the Content-Security-Policy runs scripts from our own files only.
(function () {
  const data = JSON.parse(document.getElementById("backtest-data").textContent);
  const colours = ["#adb5bd", "#6c757d", "#212529"];
  new Chart(document.getElementById("backtest-chart"), {
    type: "bar",
    data: { labels: data.labels, datasets: data.datasets.map((d, i) => ({ ...d, backgroundColor: colours[i % colours.length] })) },
    options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { title: { display: true, text: "Churn rate by band (%)" } },
      scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (v) => v + "%" } } } },
  });
})();
