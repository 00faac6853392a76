/* The console's small scripts: fleet polling, the proof-of-play chart, the alert preview.
   Every page works without them; they only make it livelier. */
(function () {
  "use strict";

  function pollFleet() {
    var box = document.getElementById("fleet");
    if (!box) return;
    var every = 1000 * (parseInt(box.dataset.every, 10) || 5);
    function refresh() {
      fetch(box.dataset.refresh, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) {
          if (r.status === 401 || r.redirected) { window.location.reload(); return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (html) { if (html !== null && html !== undefined) box.innerHTML = html; })
        .catch(function () { /* offline for a moment: try again at the next tick */ })
        .finally(function () { window.setTimeout(refresh, every); });
    }
    window.setTimeout(refresh, every);
  }

  function drawChart() {
    var canvas = document.getElementById("chart");
    var source = document.getElementById("chart-data");
    if (!canvas || !source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    if (!data) return;
    var palette = ["#0b57d0", "#b3261e", "#1b7f3b", "#b26a00", "#6d28d9", "#0e7490",
                   "#be185d", "#4d7c0f", "#475569", "#c2410c"];
    var datasets = data.items.map(function (item, n) {
      return { label: item, data: data.daily[item], backgroundColor: palette[n % palette.length] };
    });
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.days, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { stacked: true },
                  y: { stacked: true, title: { display: true, text: canvas.dataset.labelsSeconds } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function alertPreview() {
    var form = document.getElementById("alert-form");
    var preview = document.getElementById("preview");
    if (!form || !preview) return;
    var text = document.getElementById("alert-text");
    var level = document.getElementById("alert-level");
    var title = preview.querySelector(".preview-title");
    function update() {
      preview.className = "preview level-" + level.value;
      title.textContent = title.dataset[level.value] || "";
      document.getElementById("preview-text").textContent = text.value.trim() || "…";
    }
    text.addEventListener("input", update);
    level.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    pollFleet();
    drawChart();
    alertPreview();
  });
})();
