/* 共治: the little JS the pages use. Every page works without it; this only adds
   ticking countdowns, "use my location" on the report form, and hiding the extra
   questions of categories that are not chosen. */
(function () {
  "use strict";
  var body = document.body;
  var data = body.dataset;
  // Server time at render minus browser time: countdowns follow the server's clock.
  var skew = (Date.parse(data.now) || Date.now()) - Date.now();

  function fill(fmt, values) {
    return fmt.replace(/\{(\w+)\}/g, function (_, k) { return values[k] !== undefined ? values[k] : ""; });
  }

  function span(seconds) {
    var minutes = Math.floor(seconds / 60);
    var d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
    if (d) { return fill(data.spanDh, { d: d, h: h }); }
    if (h) { return fill(data.spanHm, { h: h, m: m }); }
    return fill(data.spanM, { m: m });
  }

  function tick() {
    var now = Date.now() + skew;
    var els = document.querySelectorAll("[data-deadline]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var left = (Date.parse(el.dataset.deadline) - now) / 1000;
      var over = left < 0;
      el.textContent = fill(over ? data.cdOver : data.cdLeft, { span: span(Math.abs(left)) });
      el.classList.toggle("is-over", over);
      var card = el.closest("[data-due-card]");
      if (card) { card.classList.toggle("is-over", over); }
    }
  }
  if (document.querySelector("[data-deadline]")) {
    tick();
    setInterval(tick, 20000);
  }

  // Forms: one submit only (a double tap must not file two reports).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.dataset.submitted) { ev.preventDefault(); return; }
    form.dataset.submitted = "1";
    var buttons = form.querySelectorAll("button[type=submit]");
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
  });
  // Coming back through the history cache: make the forms usable again.
  window.addEventListener("pageshow", function () {
    var forms = document.querySelectorAll("form[data-submitted]");
    for (var i = 0; i < forms.length; i++) {
      delete forms[i].dataset.submitted;
      var buttons = forms[i].querySelectorAll("button[type=submit]");
      for (var j = 0; j < buttons.length; j++) { buttons[j].disabled = false; }
    }
  });

  // Report form: "use my location" fills hidden lat/lng (browsers give WGS84).
  var locate = document.getElementById("locate");
  if (locate && navigator.geolocation) {
    var status = document.getElementById("locate-status");
    locate.hidden = false;
    locate.addEventListener("click", function () {
      status.className = "locate-status";
      status.textContent = locate.dataset.busy;
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("lng").value = pos.coords.longitude.toFixed(6);
        status.className = "locate-status ok";
        status.textContent = fill(locate.dataset.done, { m: Math.round(pos.coords.accuracy || 0) });
      }, function () {
        status.className = "locate-status err";
        status.textContent = locate.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  // Report form: show only the chosen category's extra questions.
  var category = document.getElementById("category");
  if (category && category.tagName === "SELECT") {
    var groups = document.querySelectorAll("[data-attr-category]");
    var sync = function () {
      for (var i = 0; i < groups.length; i++) {
        var g = groups[i];
        var on = g.dataset.attrCategory === category.value;
        g.hidden = !on;
        var inputs = g.querySelectorAll("input, select, textarea");
        for (var j = 0; j < inputs.length; j++) { inputs[j].disabled = !on; }
      }
    };
    category.addEventListener("change", sync);
    sync();
  }
})();
