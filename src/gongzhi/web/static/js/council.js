/* 共治 council meeting page: keep the open motions' tallies current without reloading.
   The page works without it (the server renders the tally); this polls the motion API
   every few seconds while a motion is open and updates the figures in place. A secret
   ballot's API answer carries no tally until it closes, so only its vote count moves. */
(function () {
  "use strict";
  var INTERVAL = 3000;

  function text(el, value) { if (el && value !== undefined && value !== null) { el.textContent = value; } }

  function refresh(article) {
    var id = article.dataset.motionId;
    fetch("/api/v1/councils/motions/" + id, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (m) {
        if (!m) { return; }
        var cast = article.querySelector(".votes-cast");
        if (cast && cast.dataset.fmt) {
          text(cast, cast.dataset.fmt.replace("{n}", m.votes_cast).replace("{roll}", m.roll_size));
        }
        if (m.tally) {
          text(article.querySelector(".t-yes"), m.tally.yes);
          text(article.querySelector(".t-no"), m.tally.no);
          text(article.querySelector(".t-abstain"), m.tally.abstain);
        }
        article.dataset.live = String(m.votes_cast);
        if (m.status !== "open") { location.reload(); }
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }

  var open = document.querySelectorAll("article[data-motion-id][data-status='open']");
  if (!open.length) { return; }
  setInterval(function () {
    for (var i = 0; i < open.length; i++) { refresh(open[i]); }
  }, INTERVAL);
})();
