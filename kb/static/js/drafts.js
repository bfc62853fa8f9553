/* Kunskapsbanken: a draft of the case form kept in this browser (localStorage), so that a
   failed save – the server or the network away, a conflict, an expired login – costs nothing.

   - The form names its draft (data-draft-key: the editor and the case, or "new"); the draft
     holds every field, the version the form started from and when it was written.
   - It is written a moment after each change, every few seconds while there are changes, and
     at once when the form is sent or the page is left.
   - Opening the form with a draft that differs from what the server sent shows a notice with
     "Återställ utkastet" and "Släng utkastet"; nothing is replaced without the editor's say.
   - Only the case page that follows a successful save (data-draft-saved) removes the draft; an
     error page, a 409, the login page or a network error never does.
   An enhancement only: without JavaScript or storage the form works as before. */
(function () {
  "use strict";

  var PREFIX = "kb-draft:";
  var SUBMITTED = "kb-draft-submitted";  /* sessionStorage: which page load sent the form */
  var MAX_AGE_MS = 30 * 24 * 3600 * 1000;  /* drafts nobody came back to for a month go */
  var SAVE_DELAY_MS = 800;
  var SAVE_EVERY_MS = 4000;
  var NOT_DRAFTED = { csrf_token: true, version: true };
  var MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
                "september", "oktober", "november", "december"];

  /* localStorage or sessionStorage when it works (it can be switched off or full). */
  function storage(kind) {
    try {
      var store = window[kind];
      store.setItem("kb-probe", "1");
      store.removeItem("kb-probe");
      return store;
    } catch (error) {
      return null;
    }
  }

  function readJson(store, key) {
    try {
      var value = JSON.parse(store.getItem(key));
      return value && typeof value === "object" ? value : null;
    } catch (error) {
      return null;
    }
  }

  function readDraft(store, key) {
    var draft = readJson(store, key);
    return draft && draft.fields && typeof draft.fields === "object" ? draft : null;
  }

  /* What one control would send ([] for an unticked box), or null if it is not drafted. */
  function valuesOf(el) {
    if (!el.name || NOT_DRAFTED[el.name] || el.disabled || el.tagName === "BUTTON" ||
        !("value" in el) || /^(submit|button|reset|file|image)$/.test(el.type)) { return null; }
    if (el.type === "checkbox" || el.type === "radio") { return el.checked ? [el.value] : []; }
    if (el.type === "select-multiple") {
      return Array.prototype.filter.call(el.options, function (option) { return option.selected; })
        .map(function (option) { return option.value; });
    }
    return [el.value];
  }

  /* The form's fields as {name: [values]}, the way the browser would send them, except that
     every name is present (an unticked box as []) so that restoring can clear it too. */
  function fieldsOf(form) {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      var values = valuesOf(el);
      if (values) { fields[el.name] = (fields[el.name] || []).concat(values); }
    });
    return fields;
  }

  /* Same content? Blank values do not count (spare rows), nor does the order of choices
     (the municipality picker reorders its groups). */
  function sameFields(a, b) {
    function meaning(values) {
      return (values || []).filter(function (v) { return v !== ""; }).sort().join("\u0000");
    }
    return Object.keys(a).concat(Object.keys(b)).every(function (name) {
      return meaning(a[name]) === meaning(b[name]);
    });
  }

  /* Contact and source rows the draft had beyond those on the page: add them with the
     form's own "Lägg till" button (editor.js), so names and labels stay right. */
  function addMissingRows(form, fields) {
    Object.keys(fields).forEach(function (name) {
      var match = /^(contacts|sources)-(\d+)-/.exec(name);
      if (!match || form.elements.namedItem(name) || !fields[name].some(Boolean)) { return; }
      var fieldset = form.querySelector('[data-rows="' + match[1] + '"]');
      var button = fieldset && fieldset.querySelector("[data-add-row]");
      for (var i = 0; button && i < 100 && !form.elements.namedItem(name); i++) { button.click(); }
    });
  }

  function restoreFields(form, fields) {
    addMissingRows(form, fields);
    var used = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      var before = valuesOf(el);
      if (!before) { return; }
      var values = fields[el.name] || [];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) !== -1;
      } else if (el.type === "select-multiple") {
        Array.prototype.forEach.call(el.options, function (option) {
          option.selected = values.indexOf(option.value) !== -1;
        });
      } else {
        var index = used[el.name] || 0;
        used[el.name] = index + 1;
        el.value = index < values.length ? values[index] : "";
      }
      if (JSON.stringify(valuesOf(el)) !== JSON.stringify(before)) {
        /* The leave warning and the municipality order follow "change", the preview follows
           "input" on the text area (an "input" on the tag field would open its suggestions). */
        el.dispatchEvent(new Event("change", { bubbles: true }));
        if (el.tagName === "TEXTAREA") { el.dispatchEvent(new Event("input", { bubbles: true })); }
      }
    });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /* "i dag kl. 14.05", "i går kl. 09.30", "3 december kl. 16.45" (Swedish style). */
  function spokenTime(ms) {
    var at = new Date(ms);
    var now = new Date();
    var yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
    var clock = "kl. " + pad(at.getHours()) + "." + pad(at.getMinutes());
    if (at.toDateString() === now.toDateString()) { return "i dag " + clock; }
    if (at.toDateString() === yesterday.toDateString()) { return "i går " + clock; }
    return at.getDate() + " " + MONTHS[at.getMonth()] +
      (at.getFullYear() === now.getFullYear() ? "" : " " + at.getFullYear()) + " " + clock;
  }

  function timeElement(ms) {
    var time = document.createElement("time");
    time.dateTime = new Date(ms).toISOString();
    time.textContent = spokenTime(ms);
    return time;
  }

  /* Drafts nobody came back to, and broken ones, do not stay in the browser for ever. */
  function prune(local) {
    var now = Date.now();
    var keys = [];
    for (var i = 0; i < local.length; i++) { keys.push(local.key(i)); }
    keys.forEach(function (key) {
      if (!key || key.indexOf(PREFIX) !== 0) { return; }
      var draft = readDraft(local, key);
      if (!draft || !(now - draft.savedAt < MAX_AGE_MS)) { local.removeItem(key); }
    });
  }

  /* The case page after a successful save: the draft that was sent is saved now. A draft
     written after the form was sent (another tab) stays. */
  function forgetSavedDraft(local) {
    var marker = document.querySelector("[data-draft-saved]");
    if (!marker) { return; }
    var key = marker.getAttribute("data-draft-saved");
    var session = storage("sessionStorage");
    var sent = session ? readJson(session, SUBMITTED) : null;
    var draft = readDraft(local, key);
    if (draft && (!sent || sent.key !== key || sent.writer === draft.writer)) {
      local.removeItem(key);
    }
    if (session && sent && sent.key === key) { session.removeItem(SUBMITTED); }
  }

  function setUpDrafts(form, local) {
    var key = form.getAttribute("data-draft-key");
    if (!key) { return; }
    var writer = Date.now().toString(36) + Math.random().toString(36).slice(2);
    var version = form.elements.namedItem("version");
    var status = form.querySelector("[data-draft-status]");
    var region = document.querySelector("[data-draft-region]");
    var served = fieldsOf(form);
    var written = JSON.stringify(served);
    var waiting = null;  /* a stored draft the editor has not yet restored or thrown away */

    function say(text) {
      if (!status) { return; }
      status.hidden = false;
      status.textContent = text;
    }

    function save(force) {
      if (waiting && !force) { return; }
      var fields = fieldsOf(form);
      var text = JSON.stringify(fields);
      if (text === written && !force) { return; }
      var draft = { savedAt: Date.now(), version: version ? version.value : null,
                    writer: writer, fields: fields };
      try {
        local.setItem(key, JSON.stringify(draft));
        written = text;
        waiting = null;
        say("Utkastet sparades i webbläsaren " + spokenTime(draft.savedAt) + ".");
      } catch (error) {
        say("Utkastet kunde inte sparas i webbläsaren (lagringen är full eller avstängd). " +
            "Spara exemplet ofta.");
      }
    }

    function settle(message) {
      waiting = null;
      region.textContent = "";
      var done = document.createElement("p");
      done.className = "notice draft-done";
      done.tabIndex = -1;
      done.textContent = message;
      region.appendChild(done);
      done.focus();
    }

    function offer(draft) {
      var template = document.getElementById("draft-notice");
      if (!region || !template || !template.content) { return false; }
      var notice = template.content.cloneNode(true);
      notice.querySelector("[data-draft-time]").appendChild(timeElement(draft.savedAt));
      if (version && draft.version && draft.version !== version.value) {
        notice.querySelector("[data-draft-stale]").hidden = false;
        notice.querySelector("[data-draft-from]").textContent = draft.version;
        notice.querySelector("[data-draft-now]").textContent = version.value;
      }
      notice.querySelector("[data-draft-restore]").addEventListener("click", function () {
        restoreFields(form, draft.fields);
        /* The version the draft started from: saving over newer changes then shows the
           conflict page with both sides, instead of overwriting them unseen. */
        if (version && draft.version) { version.value = draft.version; }
        written = "";
        save(true);
        settle("Utkastet är återställt i formuläret. Det är sparat i Kunskapsbanken först " +
               "när du trycker på Spara.");
      });
      notice.querySelector("[data-draft-discard]").addEventListener("click", function () {
        try { local.removeItem(key); } catch (error) { /* nothing left to remove */ }
        settle("Utkastet är slängt. Formuläret visar det som är sparat i Kunskapsbanken.");
        save(false);  /* what was typed meanwhile, if anything, is the draft now */
      });
      region.appendChild(notice);
      return true;
    }

    var stored = readDraft(local, key);
    if (stored && !sameFields(stored.fields, served) && offer(stored)) {
      waiting = stored;
    } else if (!stored && (document.getElementById("error-summary") ||
                           document.getElementById("conflict"))) {
      /* The server sent back text it did not save: keep it even if no draft had it yet. (A
         draft with the same text keeps the version it started from: after a conflict, the
         form names the newer one.) */
      save(true);
    } else if (stored) {
      say("Utkastet sparades i webbläsaren " + spokenTime(stored.savedAt) + ".");
    }

    var soon = null;
    function saveSoon() {
      clearTimeout(soon);
      soon = setTimeout(function () { save(false); }, SAVE_DELAY_MS);
    }
    form.addEventListener("input", saveSoon);
    form.addEventListener("change", saveSoon);
    /* Values set by scripts (a chosen tag suggestion) send no event: look every few seconds. */
    setInterval(function () { save(false); }, SAVE_EVERY_MS);
    form.addEventListener("submit", function () {
      /* Whatever happens to the request, what was sent is in the draft (this overrides an
         older draft the editor left undecided: sending the form is her choice). */
      save(true);
      var session = storage("sessionStorage");
      if (session) { session.setItem(SUBMITTED, JSON.stringify({ key: key, writer: writer })); }
    });
    window.addEventListener("pagehide", function () { save(false); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { save(false); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var local = storage("localStorage");
    if (!local) { return; }
    forgetSavedDraft(local);
    prune(local);
    var form = document.getElementById("case-form");
    if (form) { setUpDrafts(form, local); }
  });
})();
