// Every chart of the app, drawn from the page's markup: a <canvas data-chart="KIND" data-chart-data="ID"> names
// its kind (one of `kinds` below) and the json_script element that holds its data; other data-* attributes
// carry what the kind lets a page choose (a title, a colour, which series). No page needs a script of its own,
// and the Content-Security-Policy runs scripts from our own files only.
// Pages include Chart.js and then this file; a fragment that htmx may swap into a page without Chart.js gives
// its address in data-chartjs on this file's tag, and this file loads it first.
(function () {
  if (window.postsaleCharts) {  // Swapped in again by htmx: draw what the new fragment brought.
    window.postsaleCharts.draw(document);
    return;
  }
  const chartjs = document.currentScript && document.currentScript.dataset.chartjs;

  const flat = (days, value) => days.map(() => value);
  const dashed = (label, value, days, colour, dash) =>
    ({ label: label, data: flat(days, value), borderColor: colour, borderDash: dash || [6, 4], borderWidth: 1, pointRadius: 0 });
  const still = { animation: false, responsive: true, maintainAspectRatio: false };

  // kind -> (data, canvas) -> Chart.js configuration
  const kinds = {
    // Health of one account by day, with the band thresholds.
    "health-trend": (data) => ({
      type: "line",
      data: { labels: data.days, datasets: [
        { label: "Health", data: data.scores, borderColor: "#0d6efd", backgroundColor: "#0d6efd", tension: 0.2, pointRadius: data.days.length > 30 ? 0 : 3, spanGaps: true },
        dashed("Green from " + data.green_from, data.green_from, data.days, "#198754"),
        dashed("Yellow from " + data.yellow_from, data.yellow_from, data.days, "#ffc107"),
      ] },
      options: { ...still, interaction: { mode: "index", intersect: false }, scales: { y: { min: 0, max: 100, ticks: { stepSize: 20 } } } },
    }),
    // The churn rate of each band, per horizon.
    "backtest": (data) => {
      const colours = ["#adb5bd", "#6c757d", "#212529"];
      return {
        type: "bar",
        data: { labels: data.labels, datasets: data.datasets.map((d, i) => ({ ...d, backgroundColor: colours[i % colours.length] })) },
        options: { ...still, plugins: { title: { display: true, text: "Churn rate by band (%)" } },
          scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (v) => v + "%" } } } },
      };
    },
    // CSMs needed per tier, today and projected (the canvas sets its own height).
    "capacity": (data) => ({
      type: "bar",
      data: { labels: data.labels, datasets: [
        { label: "CSMs needed today", data: data.csms_today, backgroundColor: "#adb5bd" },
        { label: "CSMs needed projected", data: data.csms_projected, backgroundColor: "#0d6efd" },
      ] },
      options: { animation: false, responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    }),
    // One series of bars from a shared blob: data-labels and data-values name its keys; data-title,
    // data-colour, data-unit ("%" or empty) and data-max (empty: as high as the data) how it looks.
    "bar": (data, canvas) => {
      const set = canvas.dataset, unit = set.unit || "", max = set.max ? Number(set.max) : undefined;
      return {
        type: "bar",
        data: { labels: data[set.labels], datasets: [{ label: set.title, data: data[set.values], backgroundColor: set.colour }] },
        options: { ...still, plugins: { legend: { display: false }, title: { display: true, text: set.title } },
          scales: { y: { beginAtZero: true, max: max, ticks: { precision: 0, callback: (v) => v + unit } } } },
      };
    },
    // Open renewal ARR by month, stacked by forecast category; data-currency names the axis.
    "forecast": (data, canvas) => {
      const colours = { commit: "#198754", best_case: "#ffc107", at_risk: "#dc3545" };
      return {
        type: "bar",
        data: { labels: data.labels, datasets: data.series.map((s) => ({ label: s.label, data: s.data, backgroundColor: colours[s.key] })) },
        options: { maintainAspectRatio: false, plugins: { legend: { position: "bottom" } },
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: "ARR (" + canvas.dataset.currency + ")" } } } },
      };
    },
    // GRR and NRR by period.
    "retention": (data) => ({
      type: "line",
      data: { labels: data.labels, datasets: [
        { label: "GRR (%)", data: data.grr, borderColor: "#0d6efd", backgroundColor: "#0d6efd", spanGaps: false },
        { label: "NRR (%)", data: data.nrr, borderColor: "#198754", backgroundColor: "#198754", spanGaps: false },
      ] },
      options: { ...still, scales: { y: { ticks: { callback: (v) => v + "%" } } } },
    }),
    // One success-plan objective: its measured values against baseline and target.
    "objective": (data) => ({
      type: "line",
      data: { labels: data.days, datasets: [
        { label: data.metric, data: data.values, borderColor: "#0d6efd", backgroundColor: "#0d6efd", tension: 0.2 },
        dashed("Target " + data.target, data.target, data.days, "#198754"),
        dashed("Baseline " + data.baseline, data.baseline, data.days, "#6c757d", [2, 3]),
      ] },
      options: { ...still, plugins: { legend: { display: false } } },
    }),
  };

  function draw(root) {
    root.querySelectorAll("canvas[data-chart]:not([data-drawn])").forEach((canvas) => {
      const kind = kinds[canvas.dataset.chart];
      const source = document.getElementById(canvas.dataset.chartData);
      if (!kind || !source) return;
      canvas.dataset.drawn = "1";
      new Chart(canvas, kind(JSON.parse(source.textContent), canvas));
    });
  }

  window.postsaleCharts = { draw: draw };
  // Fragments that htmx swaps in later may bring charts of their own.
  document.addEventListener("htmx:afterSettle", (event) => { if (window.Chart) draw(event.detail.elt); });
  if (window.Chart || !chartjs) { draw(document); return; }
  const script = document.createElement("script");
  script.src = chartjs;
  script.onload = () => draw(document);
  document.head.appendChild(script);
})();
