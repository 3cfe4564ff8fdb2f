// Live refresh of the "At risk now" page: re-reads the page every N seconds and swaps the
// counts and the table in place. Without JavaScript the page still works; it just does not update itself.
(function () {
  "use strict";
  var note = document.querySelector("[data-refresh-seconds]");
  if (!note) { return; }
  var seconds = Number(note.getAttribute("data-refresh-seconds")) || 60;
  var state = document.getElementById("refresh-state");
  function refresh() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("at-risk-live");
        var table = document.getElementById("at-risk-live");
        if (fresh && table) { table.replaceWith(fresh); }
        if (state) { state.textContent = "Updated " + new Date().toLocaleTimeString() + "; updates every " + seconds + " s."; }
      })
      .catch(function () { if (state) { state.textContent = "Could not update; will try again."; } });
  }
  if (state) { state.textContent = "Updates every " + seconds + " s."; }
  window.KeptDashboard = { refresh: refresh, refreshSeconds: seconds };
  window.setInterval(refresh, seconds * 1000);
}());
