// The only script of the dashboard. An element with data-live follows that Server-Sent
// Events stream: each event named by data-event replaces the element's content with the
// server-rendered (escaped) fragment it carries; the "done" event ends the stream. Without
// JavaScript the pages still read: reload to see the latest state.
"use strict";
document.querySelectorAll("[data-live]").forEach(function (element) {
  if (!window.EventSource) {
    return;
  }
  var source = new EventSource(element.getAttribute("data-live"));
  source.addEventListener(element.getAttribute("data-event"), function (event) {
    element.innerHTML = event.data;
    element.setAttribute("data-updates", String(Number(element.getAttribute("data-updates") || 0) + 1));
  });
  source.addEventListener("done", function () {
    source.close();
    element.setAttribute("data-finished", "true");
  });
});
