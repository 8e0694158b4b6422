// Moved out of the page's template: the Content-Security-Policy runs scripts from our own files only.
(function () {
  const data = JSON.parse(document.getElementById("analytics-data").textContent);
  const options = (title, unit, max) => ({ animation: false, responsive: true, maintainAspectRatio: false,
    plugins: { legend: { display: false }, title: { display: true, text: title } },
    scales: { y: { beginAtZero: true, max: max, ticks: { precision: 0, callback: (v) => v + unit } } } });
  const bar = (id, labels, values, colour, title, unit, max) => {
    const canvas = document.getElementById(id);
    if (!canvas) return null;
    return new Chart(canvas, { type: "bar", data: { labels: labels, datasets: [{ label: title, data: values, backgroundColor: colour }] }, options: options(title, unit, max) });
  };
  window.journeyCharts = {
    completion: bar("chart-completion", data.stages, data.completion, "#198754", "Completion rate by stage (%)", "%", 100),
    median: bar("chart-median", data.stages, data.median_days, "#0d6efd", "Median days in stage (stays that moved on)", "", undefined),
    reasons: bar("chart-reasons", data.reasons, data.reason_counts, "#dc3545", "Regressions by reason", "", undefined),
    churn: bar("chart-churn", data.paths, data.churn, "#6c757d", "Churn rate by path (%)", "%", 100),
  };
})();
