/* Kunskapsbanken editor: live preview, tag suggestions, municipality picker, repeating rows.
   Everything here is an enhancement: the forms work without JavaScript. No inline scripts
   (the Content-Security-Policy forbids them), so this file wires itself up on load. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  /* Live preview: the server renders with the same Markdown renderer and sanitizer as a
     saved case, so what the editor sees here is what readers will see. */
  function setUpPreview(form) {
    var url = form.getAttribute("data-preview-url");
    var body = form.querySelector("#f-body");
    var panel = form.querySelector("[data-preview]");
    if (!url || !body || !panel || !window.fetch) { return; }
    var output = panel.querySelector("[data-preview-output]");
    var status = panel.querySelector("[data-preview-status]");
    var controller = null;
    panel.hidden = false;
    panel.parentNode.classList.add("has-preview");

    function render() {
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      var data = new FormData();
      data.append("body", body.value);
      data.append("csrf_token", csrfToken());
      status.textContent = "Uppdaterar …";
      fetch(url, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        return response.json().then(function (json) { return { ok: response.ok, json: json }; });
      }).then(function (result) {
        if (!result.ok) { throw new Error(result.json.error || "fel"); }
        output.innerHTML = result.json.html;  /* already sanitized by the server */
        status.textContent = "";
      }).catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        status.textContent = "Förhandsvisningen kunde inte uppdateras (" + error.message +
          "). Det du skriver påverkas inte.";
      });
    }
    body.addEventListener("input", debounce(render, 400));
    render();
  }

  /* Tag suggestions for the last comma-separated part of the tags field (ARIA combobox). */
  function setUpTags(form) {
    var url = form.getAttribute("data-tags-url");
    var input = form.querySelector("[data-tags-input]");
    if (!url || !input || !window.fetch) { return; }
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var active = -1;

    function parts() { return input.value.split(","); }
    function current() { return parts()[parts().length - 1].trim().toLowerCase(); }
    function chosen() {
      return parts().slice(0, -1).map(function (p) { return p.trim().toLowerCase(); });
    }
    function close() {
      list.hidden = true;
      list.innerHTML = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function choose(name) {
      var kept = parts().slice(0, -1).map(function (p) { return p.trim(); }).filter(Boolean);
      kept.push(name);
      input.value = kept.join(", ") + ", ";
      close();
      input.focus();
    }
    function highlight(index) {
      var items = list.querySelectorAll("li");
      if (!items.length) { return; }
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }
    function show(names) {
      close();
      var taken = chosen();
      names = names.filter(function (n) { return taken.indexOf(n) === -1; });
      if (!names.length) { return; }
      names.forEach(function (name, i) {
        var item = document.createElement("li");
        item.id = "tag-option-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = name;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(name); });
        list.appendChild(item);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    var lookup = debounce(function () {
      var prefix = current();
      if (!prefix) { close(); return; }
      fetch(url + "?q=" + encodeURIComponent(prefix), { credentials: "same-origin",
        headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { tags: [] }; })
        .then(function (data) { if (current() === prefix) { show(data.tags || []); } })
        .catch(close);
    }, 200);

    input.addEventListener("input", lookup);
    input.addEventListener("blur", function () { setTimeout(close, 100); });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(list.querySelectorAll("li")[active].textContent);
      }
    });
  }

  /* Put the chosen county's municipalities first in the multi-select. */
  function setUpMunicipalities(form) {
    var county = form.querySelector("[data-county-select]");
    var select = form.querySelector("[data-municipality-select]");
    if (!county || !select) { return; }
    function reorder() {
      var option = county.options[county.selectedIndex];
      var code = option ? option.getAttribute("data-code") : null;
      if (!code) { return; }
      var group = select.querySelector('optgroup[data-county="' + code + '"]');
      if (group && select.firstElementChild !== group) {
        select.insertBefore(group, select.firstElementChild);
        select.scrollTop = 0;
      }
    }
    county.addEventListener("change", reorder);
    reorder();
  }

  /* "Lägg till kontakt/källa": copy the last row with empty fields and the next index. */
  function setUpRows(form) {
    form.querySelectorAll("[data-rows]").forEach(function (fieldset) {
      var button = fieldset.querySelector("[data-add-row]");
      if (!button) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        var rows = fieldset.querySelectorAll("[data-row]");
        var last = rows[rows.length - 1];
        var copy = last.cloneNode(true);
        var index = rows.length;
        copy.querySelectorAll("input").forEach(function (input) {
          if (input.type === "checkbox") { input.checked = false; } else { input.value = ""; }
          input.name = input.name.replace(/-\d+-/, "-" + index + "-");
          input.id = input.id.replace(/-\d+-/, "-" + index + "-");
        });
        copy.querySelectorAll("label").forEach(function (label) {
          label.htmlFor = label.htmlFor.replace(/-\d+-/, "-" + index + "-");
        });
        last.parentNode.insertBefore(copy, button);
        copy.querySelector("input").focus();
      });
    });
  }

  /* Warn before leaving a form with unsaved changes. */
  function setUpLeaveWarning(form) {
    var dirty = Boolean(document.getElementById("error-summary") || document.getElementById("conflict"));
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  }

  function focusProblems() {
    var target = document.getElementById("conflict") || document.getElementById("error-summary");
    if (target) { target.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("case-form");
    if (form) {
      setUpPreview(form);
      setUpTags(form);
      setUpMunicipalities(form);
      setUpRows(form);
      setUpLeaveWarning(form);
    }
    focusProblems();
  });
})();
