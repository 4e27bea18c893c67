/* 共治 charts: draws every server-built Plotly figure on the page (script[data-plot]) with the local plotly.min.js; nothing fetched. */
(function () {
  "use strict";
  if (!window.Plotly) { return; }
  var figures = document.querySelectorAll("script[type='application/json'][data-plot]");
  Array.prototype.forEach.call(figures, function (src) {
    var el = document.getElementById(src.getAttribute("data-plot"));
    if (!el) { return; }
    var fig = JSON.parse(src.textContent);
    el.parentNode.hidden = false;
    window.Plotly.newPlot(el, fig.data, fig.layout, {
      responsive: true, displaylogo: false, scrollZoom: true,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"]
    });
  });
})();
