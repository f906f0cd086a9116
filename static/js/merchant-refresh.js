// The till screen shows payments as they arrive: the payment list is fetched again every 5 seconds and
// swapped in place (focus and scroll stay). A visible button pauses it (WCAG 2.2.1). Without JavaScript the
// "show latest payments" link does the same by hand.
(function () {
  "use strict";
  var button = document.getElementById("auto-refresh");
  var region = document.getElementById("payments");
  if (!button || !region || !window.fetch || !window.DOMParser) { return; }
  var running = true;
  button.hidden = false;
  button.addEventListener("click", function () {
    running = !running;
    button.setAttribute("aria-pressed", running ? "true" : "false");
    button.textContent = running ? button.dataset.stop || button.textContent : button.dataset.start || "▶";
  });
  button.dataset.stop = button.textContent;
  button.dataset.start = document.documentElement.lang === "en" ? "Resume automatic updates" : "自動更新を再開する";
  window.setInterval(function () {
    if (!running || region.contains(document.activeElement)) { return; }
    fetch(window.location.href, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("payments");
      if (fresh && fresh.innerHTML !== region.innerHTML) { region.innerHTML = fresh.innerHTML; }
    }).catch(function () {});
  }, 5000);
})();
