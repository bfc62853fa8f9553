// Tells the server that this public search found little, so editors learn what readers look
// for. Only the query is sent (see /personuppgifter); nothing when the browser cannot beacon.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !navigator.sendBeacon) { return; }
  var body = new URLSearchParams();
  body.set("q", script.getAttribute("data-q") || "");
  navigator.sendBeacon(script.getAttribute("data-url"), body);
})();
