/* The console's small scripts: fleet polling, the proof-of-play chart, the alert preview.
   Every page works without them; they only make it livelier. */
(function () {
  "use strict";

  function pollFleet() {
    var box = document.getElementById("fleet");
    if (!box) return;
    var every = 1000 * (parseInt(box.dataset.every, 10) || 5);
    var offline = document.getElementById("offline");
    // The console or its database away (a 503, no answer): keep the last view, say so.
    function online(yes) { if (offline) offline.hidden = yes; }
    function refresh() {
      fetch(box.dataset.refresh, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) {
          if (r.status === 401 || r.redirected) { window.location.reload(); return null; }
          online(r.ok);
          return r.ok ? r.text() : null;
        })
        .then(function (html) { if (html !== null && html !== undefined) box.innerHTML = html; })
        .catch(function () { online(false); /* try again at the next tick */ })
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
    // The preview is drawn by the console (the screens' own code); this only asks for it
    // again as the operator types, a moment after the last key, newest answer wins.
    var form = document.getElementById("alert-form");
    var box = document.getElementById("preview");
    if (!form || !box) return;
    var timer = null, asked = 0;
    function refresh() {
      var mine = ++asked;
      fetch(box.dataset.source, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "X-Preview": "fragment" }
      })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null && mine === asked) box.innerHTML = html; })
        .catch(function () { /* the button still previews */ });
    }
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 600);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
  }

  document.addEventListener("DOMContentLoaded", function () {
    pollFleet();
    drawChart();
    alertPreview();
  });
})();
