/* "Kopiera länk" and "Kopiera referens": progressive enhancement. Without JavaScript the link
   is a read-only field the reader can select; with it, the copy buttons appear and announce
   the result in the nearby status region (role="status"). */
(function () {
  "use strict";

  function textOf(element) {
    return "value" in element && element.tagName !== "P" ? element.value : element.textContent.trim();
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden-copy";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function announce(button, message) {
    var section = button.closest("section");
    var status = section && section.querySelector("[role='status']");
    if (!status) { return; }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(textOf(target)).then(function () {
        announce(button, button.getAttribute("data-copied-text") || "Kopierat");
      }, function () {
        if (target.select) { target.focus(); target.select(); }
        announce(button, "Det gick inte att kopiera automatiskt. Markera texten och kopiera med Ctrl+C (⌘+C på Mac).");
      });
    });
  });
}());
