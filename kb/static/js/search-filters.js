/* The search page's filters and sorting apply at once: a change fetches the new result
   and swaps it in, keeping keyboard focus where it was. Progressive enhancement: without
   JavaScript the forms submit with their buttons (hidden when this script runs). On a phone the filters sit closed behind
   "Filtrera" above the results; on a wide screen they are always open. */
(function () {
  "use strict";
  var LAYOUT = ".search-layout";
  var wide = window.matchMedia("(min-width: 50.01rem)");
  var announcer = null;

  function layout(doc) { return (doc || document).querySelector(LAYOUT); }

  function fitToWidth() {
    var details = document.querySelector("[data-filters]");
    if (details && wide.matches) { details.open = true; }
  }

  function urlOf(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (String(value).trim() !== "") { params.append(key, value); }
    });
    var query = params.toString();
    return form.action + (query ? "?" + query : "");
  }

  function describe(element) {
    if (!element || !element.name) { return null; }
    return { id: element.id, name: element.name,
             value: element.type === "checkbox" ? element.value : null };
  }

  function refocus(target, root) {
    var found = target && target.id ? document.getElementById(target.id) : null;
    if (target && !found) {
      var candidates = root.querySelectorAll("[name]:not([type=hidden])");
      for (var i = 0; i < candidates.length && !found; i++) {
        var el = candidates[i];
        if (el.name === target.name && (target.value === null || el.value === target.value)) { found = el; }
      }
    }
    if (!found) { found = root.querySelector("[data-filters] > summary"); }
    if (found) { found.focus(); }
  }

  function syncSearchForm(doc) {
    /* The search box above keeps the filters as hidden fields: take the new ones. */
    var form = document.querySelector("main .search-form");
    var fresh = doc.querySelector("main .search-form");
    if (!form || !fresh) { return; }
    form.querySelectorAll("input[type=hidden]").forEach(function (el) { el.remove(); });
    fresh.querySelectorAll("input[type=hidden]").forEach(function (el) { form.appendChild(el); });
  }

  function load(url, target, push) {
    var details = document.querySelector("[data-filters]");
    var wasOpen = details ? details.open : false;
    document.querySelector(LAYOUT).setAttribute("aria-busy", "true");
    fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = layout(doc);
        if (!fresh) { throw new Error("no result in the page"); }
        var old = layout();
        old.replaceWith(document.importNode(fresh, true));
        syncSearchForm(doc);
        document.title = doc.title;
        if (push) { window.history.pushState({ search: true }, "", url); }
        var newDetails = document.querySelector("[data-filters]");
        if (newDetails) { newDetails.open = wasOpen || wide.matches; }
        bind();
        document.dispatchEvent(new CustomEvent("kb:content-replaced"));
        var count = document.querySelector(LAYOUT + " .result-count");
        if (announcer && count) { announcer.textContent = count.textContent.replace(/\s+/g, " ").trim(); }
        refocus(target, layout());
      })
      .catch(function () { window.location.href = url; });
  }

  function bind() {
    var root = layout();
    if (!root) { return; }
    fitToWidth();
    root.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      var timer = null;
      form.addEventListener("change", function (event) {
        /* A year changes once per arrow click: wait until the clicking stops. */
        var wait = event.target.type === "number" ? 600 : 0;
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { load(urlOf(form), describe(event.target), true); }, wait);
      });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        load(urlOf(form), describe(document.activeElement), true);
      });
    });
    var summary = root.querySelector("[data-filters] > summary");
    if (summary) {
      summary.addEventListener("click", function (event) {
        if (wide.matches) { event.preventDefault(); }  /* always open on a wide screen */
      });
    }
  }

  function init() {
    if (!layout()) { return; }
    document.documentElement.classList.add("js-filters");
    announcer = document.createElement("div");
    announcer.className = "visually-hidden";
    announcer.setAttribute("role", "status");
    document.querySelector("main").appendChild(announcer);
    bind();
    if (wide.addEventListener) { wide.addEventListener("change", fitToWidth); }
    window.addEventListener("popstate", function () { load(window.location.href, null, false); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
