// Moved out of the page's template: the Content-Security-Policy runs scripts from our own files only.
(function () {
  // Where Chart.js is, from this script's tag: the partial may arrive by htmx on a page without it.
  const chartjs = document.currentScript.dataset.chartjs;
  function draw() {
    document.querySelectorAll("canvas[data-plan-chart]:not([data-drawn])").forEach(function (canvas) {
      canvas.dataset.drawn = "1";
      const data = JSON.parse(document.getElementById(canvas.dataset.planChart).textContent);
      const flat = (value) => data.days.map(() => value);
      new Chart(canvas, {
        type: "line",
        data: { labels: data.days, datasets: [
          { label: data.metric, data: data.values, borderColor: "#0d6efd", backgroundColor: "#0d6efd", tension: 0.2 },
          { label: "Target " + data.target, data: flat(data.target), borderColor: "#198754", borderDash: [6, 4], borderWidth: 1, pointRadius: 0 },
          { label: "Baseline " + data.baseline, data: flat(data.baseline), borderColor: "#6c757d", borderDash: [2, 3], borderWidth: 1, pointRadius: 0 },
        ] },
        options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } } },
      });
    });
  }
  // Embedded by htmx, the page may not have loaded Chart.js yet.
  if (window.Chart) { draw(); return; }
  const script = document.createElement("script");
  script.src = chartjs;
  script.onload = draw;
  document.head.appendChild(script);
})();
