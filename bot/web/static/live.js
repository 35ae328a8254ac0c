// Live pages: every 2 s ask the server whether anything this page shows has changed (the
// answer comes from the database, so a check-in stored by any replica counts), and if so
// fetch the page again and swap its <main>. Without JavaScript the page still works; it just
// needs a reload.
(function () {
  "use strict";
  var main = document.querySelector("main[data-live]");
  if (!main || !window.fetch || !window.DOMParser) { return; }
  var scope = main.getAttribute("data-live");
  var version = main.getAttribute("data-version");
  var busy = false;
  function refresh() {
    return fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main[data-live]");
        if (fresh) {
          main.innerHTML = fresh.innerHTML;
          version = fresh.getAttribute("data-version");
          main.setAttribute("data-version", version);
        }
      });
  }
  function poll() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch("/dash/live?scope=" + encodeURIComponent(scope), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { return body && body.version !== version ? refresh() : null; })
      .catch(function () { /* offline for a moment: try again next time */ })
      .then(function () { busy = false; });
  }
  window.setInterval(poll, 2000);
})();
