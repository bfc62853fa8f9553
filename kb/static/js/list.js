/* "Samla och jämför": the reader's list, kept in localStorage and mirrored into the kb_lista
   cookie (which only /lista reads, so a reader without JavaScript has the same list).
   Without JavaScript every button here is a link or a GET form to /lista and still works. */
(function () {
  "use strict";

  var KEY = "kb-lista";
  var MAX = 50;

  function load() {
    try {
      var stored = JSON.parse(window.localStorage.getItem(KEY) || "null");
      if (stored && Array.isArray(stored.slugs)) {
        return { slugs: stored.slugs.filter(function (s) { return typeof s === "string"; }).slice(0, MAX),
                 title: typeof stored.title === "string" ? stored.title : "" };
      }
    } catch (e) { /* private mode or a damaged entry: start afresh */ }
    return { slugs: [], title: "" };
  }

  function query(list) {
    var params = new URLSearchParams();
    params.set("e", list.slugs.join(","));
    if (list.title) { params.set("titel", list.title); }
    return params.toString();
  }

  function save(list) {
    try { window.localStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* storage full or off */ }
    var value = encodeURIComponent(query(list));
    if (value.length <= 3800) {
      document.cookie = "kb_lista=" + value + "; path=/lista; max-age=31536000; samesite=lax" +
        (window.location.protocol === "https:" ? "; secure" : "");
    }
  }

  function announce(status, message) {
    if (!status) { return; }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  /* "Lägg i lista" on cards and case pages: add in place, then offer the list. */
  function enhanceAddForms() {
    var list = load();
    document.querySelectorAll("form.add-to-list").forEach(function (form) {
      var button = form.querySelector("[data-add-to-list]");
      var status = form.querySelector("[role='status']");
      if (!button || form.hasAttribute("data-list-ready")) { return; }
      form.setAttribute("data-list-ready", "");
      var slug = button.getAttribute("data-add-to-list");
      function showAdded(count) {
        button.hidden = true;
        status.textContent = "";
        var text = document.createElement("span");
        text.textContent = "I din lista · ";
        var link = document.createElement("a");
        link.href = form.getAttribute("action") + "?" + query(load());
        link.textContent = "Visa listan (" + count + ")";
        status.appendChild(text);
        status.appendChild(link);
      }
      if (list.slugs.indexOf(slug) !== -1) { showAdded(list.slugs.length); }
      form.addEventListener("submit", function (event) {
        var current = load();
        if (current.slugs.indexOf(slug) === -1) {
          if (current.slugs.length >= MAX) {
            event.preventDefault();
            announce(status, "Listan är full: en lista kan innehålla högst " + MAX + " exempel.");
            return;
          }
          current.slugs.push(slug);
          save(current);
        }
        event.preventDefault();
        showAdded(current.slugs.length);
      });
    });
  }

  /* The list page: the list shown is the reader's list from now on; reorder and remove in place. */
  function enhanceListPage(page) {
    var items = page.querySelector("#list-items");
    var status = page.querySelector(".list-status");
    var list = { slugs: (page.getAttribute("data-list-slugs") || "").split(",").filter(Boolean),
                 title: page.getAttribute("data-list-title") || "" };
    save(list);
    if (!items) { return; }

    function rows() { return Array.prototype.slice.call(items.querySelectorAll(".list-item")); }

    function listFor(slugs) { return { slugs: slugs, title: list.title }; }

    function refresh() {
      var all = rows();
      list.slugs = all.map(function (row) { return row.getAttribute("data-slug"); });
      save(list);
      var q = query(list);
      var path = window.location.pathname;
      window.history.replaceState(null, "", path + "?" + q);
      all.forEach(function (row, i) {
        var others = list.slugs.slice();
        var up = row.querySelector("[data-list-action='up']");
        var down = row.querySelector("[data-list-action='down']");
        var remove = row.querySelector("[data-list-action='remove']");
        up.hidden = i === 0;
        down.hidden = i === all.length - 1;
        function moved(step) {
          var s = others.slice();
          s.splice(i + step, 0, s.splice(i, 1)[0]);
          return path + "?" + query(listFor(s));
        }
        if (i > 0) { up.href = moved(-1); }
        if (i < all.length - 1) { down.href = moved(1); }
        remove.href = path + "?" + query(listFor(others.filter(function (_, j) { return j !== i; })));
      });
      var urlField = document.getElementById("list-url");
      if (urlField) {
        var url = new URL(urlField.value);
        url.search = "?" + q;
        urlField.value = url.toString();
        var mail = document.getElementById("list-mail");
        if (mail) {
          var titleText = document.getElementById("list-heading").textContent.trim();
          var lines = [titleText, "", url.toString(), ""].concat(all.map(function (row) {
            return "– " + row.querySelector(".list-item-title").textContent.trim();
          }));
          mail.href = "mailto:?subject=" + encodeURIComponent(titleText) + "&body=" + encodeURIComponent(lines.join("\n"));
        }
      }
      ["list-compare", "list-pdf"].forEach(function (id) {
        var link = document.getElementById(id);
        if (link) { link.href = link.pathname + "?" + q; }
      });
      var hidden = page.querySelector(".list-title-form input[name='e']");
      if (hidden) { hidden.value = list.slugs.join(","); }
    }

    items.addEventListener("click", function (event) {
      var action = event.target.closest("[data-list-action]");
      if (!action) { return; }
      var row = action.closest(".list-item");
      var title = row.querySelector(".list-item-title").textContent.trim();
      var kind = action.getAttribute("data-list-action");
      event.preventDefault();
      if (kind === "remove") {
        var next = row.nextElementSibling || row.previousElementSibling;
        row.parentNode.removeChild(row);
        if (!next) { window.location.replace(window.location.pathname + "?" + query(listFor([]))); return; }
        refresh();
        announce(status, "Tog bort ”" + title + "” ur listan.");
        next.querySelector(".list-item-title a").focus();
        return;
      }
      if (kind === "up" && row.previousElementSibling) {
        items.insertBefore(row, row.previousElementSibling);
      } else if (kind === "down" && row.nextElementSibling) {
        items.insertBefore(row.nextElementSibling, row);
      }
      refresh();
      var position = rows().indexOf(row) + 1;
      announce(status, "”" + title + "” är nu nummer " + position + " i listan.");
      var again = row.querySelector("[data-list-action='" + kind + "']");
      (again && !again.hidden ? again : row.querySelector(".list-item-title a")).focus();
    });
  }

  enhanceAddForms();
  /* search-filters.js swaps in new results without a page load. */
  document.addEventListener("kb:content-replaced", enhanceAddForms);
  var page = document.querySelector("[data-list-page]");
  if (page) { enhanceListPage(page); }
}());
