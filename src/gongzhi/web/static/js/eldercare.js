/* 共治 elder page: draws the server-built vitals chart with the local plotly.min.js. */
(function () {
  "use strict";
  var el = document.getElementById("vitals-chart");
  var src = document.getElementById("vitals-figure");
  if (!el || !src || !window.Plotly) { return; }
  var fig = JSON.parse(src.textContent);
  document.getElementById("vitals-card").hidden = false;
  window.Plotly.newPlot(el, fig.data, fig.layout, {
    responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"]
  });
})();
