/* 共治 report form: category tiles show their extra questions, a tap on the grid map (or the
   phone's location) places the pin, photos are previewed and capped, and open reports of the
   same kind nearby are offered to follow before filing. Without this script the form still
   works: the grid list places the report and the server shows nearby reports as a step. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var lat = document.getElementById("lat");
  var lng = document.getElementById("lng");
  var confirmNew = document.getElementById("confirm_new");
  var coordsText = document.getElementById("coords-text");

  function fill(fmt, values) {
    return fmt.replace(/\{(\w+)\}/g, function (_, k) { return values[k] !== undefined ? values[k] : ""; });
  }

  // The icon tiles are the picker; the list below mirrors them (and serves screen readers and
  // anyone who prefers a list). Both stay in step.
  var list = document.getElementById("category");
  function chosenCategory() {
    var el = form.querySelector("input[name=category]:checked");
    return el ? el.value : (list ? list.value : "");
  }

  // Extra questions: only the chosen category's, and only those are sent.
  var groups = form.querySelectorAll("[data-attr-category]");
  function syncQuestions() {
    var code = chosenCategory();
    for (var i = 0; i < groups.length; i++) {
      var on = groups[i].dataset.attrCategory === code;
      groups[i].hidden = !on;
      var inputs = groups[i].querySelectorAll("input, select, textarea");
      for (var j = 0; j < inputs.length; j++) { inputs[j].disabled = !on; }
    }
  }

  // The pin map: SVG x/y back to lng/lat through the bbox the server drew it with.
  var mapBox = document.getElementById("pin-map");
  var svg = document.getElementById("pin-svg");
  var marker = document.getElementById("pin-marker");
  var bbox = mapBox ? mapBox.dataset.bbox.split(",").map(Number) : null;
  var view = svg ? svg.viewBox.baseVal : null;

  function showPin() {
    if (!marker || !bbox || !lat.value || !lng.value) { return; }
    var x = (Number(lng.value) - bbox[0]) / (bbox[2] - bbox[0]) * view.width;
    var y = (bbox[3] - Number(lat.value)) / (bbox[3] - bbox[1]) * view.height;
    if (x < 0 || y < 0 || x > view.width || y > view.height) { marker.setAttribute("hidden", ""); return; }
    marker.setAttribute("transform", "translate(" + x.toFixed(1) + "," + y.toFixed(1) + ")");
    marker.removeAttribute("hidden");
  }

  function setPoint(la, ln) {
    lat.value = la.toFixed(6);
    lng.value = ln.toFixed(6);
    if (coordsText && mapBox) {
      coordsText.textContent = fill(mapBox.dataset.placed, { lat: lat.value, lng: lng.value });
    }
    // A pinned point locates the grid; clear a stale grid choice so the two cannot disagree.
    var grid = document.getElementById("grid_code");
    if (grid) { grid.value = ""; }
    showPin();
    checkNearby();
  }

  if (mapBox && svg) {
    mapBox.hidden = false;
    svg.addEventListener("click", function (ev) {
      var rect = svg.getBoundingClientRect();
      var x = (ev.clientX - rect.left) / rect.width * view.width;
      var y = (ev.clientY - rect.top) / rect.height * view.height;
      var ln = bbox[0] + x / view.width * (bbox[2] - bbox[0]);
      var la = bbox[3] - y / view.height * (bbox[3] - bbox[1]);
      setPoint(la, ln);
    });
    showPin();
  }

  // The phone's location (browsers give WGS84, as the server expects).
  var locate = document.getElementById("locate");
  if (locate && navigator.geolocation) {
    var status = document.getElementById("locate-status");
    locate.hidden = false;
    locate.addEventListener("click", function () {
      status.className = "locate-status";
      status.textContent = locate.dataset.busy;
      navigator.geolocation.getCurrentPosition(function (pos) {
        setPoint(pos.coords.latitude, pos.coords.longitude);
        status.className = "locate-status ok";
        status.textContent = fill(locate.dataset.done, { m: Math.round(pos.coords.accuracy || 0) });
      }, function () {
        status.className = "locate-status err";
        status.textContent = locate.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  // Nearby open reports of the same category: offered to follow instead of filing again.
  var live = document.getElementById("nearby-live");
  var pending = 0;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function renderNearby(items) {
    live.textContent = "";
    if (!items.length) { live.hidden = true; return; }
    var d = live.dataset;
    live.appendChild(el("h2", "", d.title));
    live.appendChild(el("p", "hint", d.lead));
    var ul = el("ul", "nearby-list");
    items.forEach(function (it) {
      var li = el("li", "nearby-item");
      li.dataset.nearbyId = it.id;
      if (it.photo) {
        var img = el("img", "thumb");
        img.src = it.photo; img.alt = ""; img.loading = "lazy";
        li.appendChild(img);
      }
      var body = el("div");
      var a = el("a", "", it.category + " · " + it.status);
      a.href = it.url;
      body.appendChild(a);
      body.appendChild(el("p", "case-desc", it.summary));
      body.appendChild(el("p", "muted", fill(d.meta, { m: it.metres, at: it.created })));
      li.appendChild(body);
      // Posts this form (with its CSRF token) to the follow address instead of filing.
      var b = el("button", "btn secondary", d.follow);
      b.type = "submit";
      b.setAttribute("formaction", it.follow_url);
      b.setAttribute("formenctype", "application/x-www-form-urlencoded");
      b.formNoValidate = true;
      var wrap = el("div", "follow-row");
      wrap.appendChild(b);
      li.appendChild(wrap);
      ul.appendChild(li);
    });
    live.appendChild(ul);
    live.appendChild(el("p", "hint", d.still));
    live.hidden = false;
    live.scrollIntoView({ block: "nearest" });
  }
  function checkNearby() {
    var code = chosenCategory();
    if (!live || !code || !lat.value || !lng.value) { return; }
    var mine = ++pending;
    var url = "/report/nearby?category=" + encodeURIComponent(code) + "&lat=" + encodeURIComponent(lat.value) +
      "&lng=" + encodeURIComponent(lng.value);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (data) {
        if (mine !== pending) { return; }
        renderNearby(data.items || []);
        // The resident has seen what is nearby: the server need not ask again.
        confirmNew.value = "1";
      })
      .catch(function () { /* offline: the server-side step still runs */ });
  }

  var tiles = form.querySelectorAll("input[name=category]");
  for (var i = 0; i < tiles.length; i++) {
    tiles[i].addEventListener("change", function (ev) {
      if (list) { list.value = ev.target.value; }
      syncQuestions(); checkNearby();
    });
  }
  if (list) {
    list.addEventListener("change", function () {
      for (var t = 0; t < tiles.length; t++) { tiles[t].checked = tiles[t].value === list.value; }
      syncQuestions(); checkNearby();
    });
  }
  syncQuestions();
  if (lat.value && lng.value) { checkNearby(); }

  // Photos: at most N, previewed before sending.
  var photos = document.getElementById("photos");
  var previews = document.getElementById("photo-previews");
  if (photos && previews) {
    photos.addEventListener("change", function () {
      var max = Number(photos.dataset.max) || 3;
      previews.textContent = "";
      if (photos.files.length > max) {
        photos.setCustomValidity(photos.dataset.tooMany);
        photos.reportValidity();
      } else {
        photos.setCustomValidity("");
      }
      for (var k = 0; k < photos.files.length && k < max; k++) {
        var img = el("img", "thumb");
        img.alt = photos.files[k].name;
        img.src = URL.createObjectURL(photos.files[k]);
        previews.appendChild(img);
      }
    });
  }
})();
