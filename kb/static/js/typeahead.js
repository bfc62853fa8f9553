/* Typeahead for the search box: titles and tags as you type (ARIA 1.2 combobox).
   Progressive enhancement: without JavaScript the form simply submits to /sok. */
(function () {
  "use strict";
  var DELAY = 150;
  var MIN_CHARS = 2;

  function setup(input) {
    var url = input.getAttribute("data-typeahead");
    if (!url || input.getAttribute("data-typeahead-ready")) { return; }
    input.setAttribute("data-typeahead-ready", "1");
    var listId = input.id + "-typeahead";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "typeahead-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Förslag");
    list.hidden = true;
    input.parentNode.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.parentNode.appendChild(status);

    var items = [];
    var active = -1;
    var timer = null;
    var latest = 0;

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var item = items[index];
      if (item) { window.location.href = item.url; }
    }

    function render(suggestions) {
      list.innerHTML = "";
      items = suggestions;
      if (!suggestions.length) { close(); status.textContent = ""; return; }
      suggestions.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = item.label;
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = item.type === "tag" ? "tagg" : "exempel";
        li.appendChild(kind);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
      status.textContent = suggestions.length + " förslag. Använd pil upp och pil ned för att välja.";
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (text.length < MIN_CHARS) { close(); return; }
      var ticket = ++latest;
      fetch(url + "?q=" + encodeURIComponent(text), { headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) { if (ticket === latest) { render(data.suggestions || []); } })
        .catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, -1));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
  }

  function init() {
    var inputs = document.querySelectorAll("input[data-typeahead]");
    for (var i = 0; i < inputs.length; i++) { setup(inputs[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
