/* Kept status widget, version __KEPT_WIDGET_VERSION__. No dependencies.
 *
 *   <div data-kept-status="kst_…"></div>
 *   <script src="https://kept.example/widget.js?v=__KEPT_WIDGET_VERSION__" async></script>
 *
 * Optional attributes on the element: data-kept-lang="pt-BR" (else the browser's
 * Accept-Language decides), data-kept-api="https://kept.example" (else the script's origin),
 * data-kept-heading-level="3" (the card titles' heading level, 2 by default).
 * The card refreshes every minute while the page is visible; window.KeptStatus.refresh()
 * refreshes it at once. Style it through the .kept-status* classes.
 */
(function () {
  "use strict";
  if (window.KeptStatus && window.KeptStatus.version) {
    window.KeptStatus.mount(document);
    return;
  }
  var VERSION = "__KEPT_WIDGET_VERSION__";
  var REFRESH_MS = 60000;
  var STYLE_ID = "kept-status-style";
  var script = document.currentScript;
  var scriptOrigin = script && script.src
    ? new URL(script.src, document.baseURI).origin : window.location.origin;
  var mounted = [];
  var counter = 0;

  var CSS = [
    ".kept-status{display:grid;gap:12px;max-width:36rem;color:#1f2328;font:inherit}",
    ".kept-status__card{background:#fff;border:1px solid #d0d7de;border-left:6px solid var(--kept-accent,#59636e);",
    "border-radius:10px;padding:14px 16px}",
    ".kept-status__head{display:flex;align-items:center;justify-content:space-between;gap:8px 12px;",
    "flex-wrap:wrap;margin:0 0 6px}",
    ".kept-status__title{margin:0;font-size:1.05em;font-weight:600;line-height:1.3}",
    ".kept-status__badge{display:inline-flex;align-items:center;gap:6px;padding:2px 10px;",
    "border-radius:999px;font-size:.875em;font-weight:600;",
    "background:var(--kept-tint,#eff2f5);color:var(--kept-ink,#1f2328)}",
    ".kept-status__badge::before{content:\"\";width:8px;height:8px;border-radius:50%;",
    "background:var(--kept-accent,#59636e)}",
    ".kept-status__message{margin:0;line-height:1.45}",
    ".kept-status__original{margin:6px 0 0;font-size:.875em;color:#59636e}",
    ".kept-status--on_track,.kept-status--arrived_early,.kept-status--arrived_on_time",
    "{--kept-accent:#1a7f37;--kept-tint:#dafbe1;--kept-ink:#0f5323}",
    ".kept-status--at_risk{--kept-accent:#9a6700;--kept-tint:#fff8c5;--kept-ink:#633c01}",
    ".kept-status--late{--kept-accent:#cf222e;--kept-tint:#ffebe9;--kept-ink:#82071e}",
    ".kept-status--revised{--kept-accent:#0969da;--kept-tint:#ddf4ff;--kept-ink:#0a3069}",
    ".kept-status--cancelled,.kept-status--unavailable",
    "{--kept-accent:#59636e;--kept-tint:#eff2f5;--kept-ink:#1f2328}"
  ].join("");

  function injectStyle() {
    if (document.getElementById(STYLE_ID)) { return; }
    var style = document.createElement("style");
    style.id = STYLE_ID;
    style.textContent = CSS;
    (document.head || document.documentElement).appendChild(style);
  }

  function node(tag, className, text) {
    var element = document.createElement(tag);
    if (className) { element.className = className; }
    if (text !== undefined && text !== null) { element.textContent = text; }
    return element;
  }

  function statusUrl(host) {
    var base = (host.getAttribute("data-kept-api") || scriptOrigin).replace(/\/+$/, "");
    var url = base + "/v1/public/status/" +
      encodeURIComponent(host.getAttribute("data-kept-status") || "");
    var lang = host.getAttribute("data-kept-lang");
    return lang ? url + "?lang=" + encodeURIComponent(lang) : url;
  }

  function headingLevel(host) {
    var level = parseInt(host.getAttribute("data-kept-heading-level") || "2", 10);
    return level >= 1 && level <= 6 ? String(level) : "2";
  }

  function card(host, state, title, badge, message, original, index) {
    var article = node("article", "kept-status__card kept-status--" + state);
    var titleId = host.__kept.id + "-title-" + index;
    article.setAttribute("data-state", state);
    article.setAttribute("aria-labelledby", titleId);
    var head = node("div", "kept-status__head");
    var heading = node("p", "kept-status__title", title);
    heading.id = titleId;
    heading.setAttribute("role", "heading");
    heading.setAttribute("aria-level", headingLevel(host));
    head.appendChild(heading);
    if (badge) { head.appendChild(node("span", "kept-status__badge", badge)); }
    article.appendChild(head);
    article.appendChild(node("p", "kept-status__message", message));
    if (original) { article.appendChild(node("p", "kept-status__original", original)); }
    return article;
  }

  function show(host, section) {
    host.textContent = "";
    host.appendChild(section);
    host.setAttribute("aria-busy", "false");
  }

  function render(host, status) {
    var section = node("section", "kept-status");
    section.setAttribute("aria-label", status.title);
    section.setAttribute("lang", status.language);
    status.promises.forEach(function (item, index) {
      section.appendChild(card(host, item.state, item.kind_label, item.state_label,
        item.message, item.original_message, index));
    });
    show(host, section);
  }

  function renderUnavailable(host, detail) {
    var section = node("section", "kept-status");
    var article = node("article", "kept-status__card kept-status--unavailable");
    article.setAttribute("data-state", "unavailable");
    article.appendChild(node("p", "kept-status__message", detail || ""));
    section.appendChild(article);
    show(host, section);
  }

  function load(host) {
    var state = host.__kept;
    state.loadedAt = Date.now();
    return window.fetch(statusUrl(host), {
      cache: "no-cache", credentials: "omit", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.text().then(function (body) {
        if (body === state.lastBody) { return; }
        if (response.ok) {
          state.lastBody = body;
          render(host, JSON.parse(body));
        } else if (response.status === 404 || !state.lastBody) {
          // Gone for good (unknown, expired or revoked), or nothing shown yet: say so.
          var detail = "";
          try { detail = JSON.parse(body).detail || ""; } catch (ignored) { detail = ""; }
          state.lastBody = body;
          renderUnavailable(host, detail);
        }
        // Other failures (429, 5xx) keep the last card shown; the next refresh tries again.
      });
    }).catch(function () { /* offline: keep what is shown */ });
  }

  function mount(root) {
    injectStyle();
    var hosts = (root || document).querySelectorAll("[data-kept-status]");
    Array.prototype.forEach.call(hosts, function (host) {
      if (host.__kept) { return; }
      counter += 1;
      host.__kept = { id: "kept-status-" + counter, lastBody: null, loadedAt: 0 };
      host.setAttribute("aria-live", "polite");
      host.setAttribute("aria-busy", "true");
      mounted.push(host);
      load(host);
    });
  }

  function refresh() {
    return Promise.all(mounted.map(load));
  }

  window.setInterval(function () {
    if (!document.hidden) { refresh(); }
  }, REFRESH_MS);
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { return; }
    mounted.forEach(function (host) {
      if (Date.now() - host.__kept.loadedAt >= REFRESH_MS) { load(host); }
    });
  });

  window.KeptStatus = { version: VERSION, refreshMs: REFRESH_MS, mount: mount, refresh: refresh };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { mount(document); });
  } else {
    mount(document);
  }
}());
