/* 共治 map: draws the server-built Plotly figure with the local plotly.min.js; no tiles, nothing fetched. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var src = document.getElementById("map-figure");
  if (!el || !src || !window.Plotly) { return; }
  var fig = JSON.parse(src.textContent);
  document.getElementById("map-card").hidden = false;
  window.Plotly.newPlot(el, fig.data, fig.layout, {
    responsive: true, displaylogo: false, scrollZoom: true,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"]
  });
  // Case dots carry their page address in customdata.
  el.on("plotly_click", function (ev) {
    var p = ev.points && ev.points[0];
    if (p && p.customdata && typeof p.customdata[0] === "string" && p.customdata[0].charAt(0) === "/") {
      window.location.href = p.customdata[0];
    }
  });
})();
