// Budgetsøgning: optional enhancements. Everything works without this file.
// - search as you type: fetches the search page and swaps in its results region
// - copy buttons for citations (navigator.clipboard, falling back to selecting the text)
(function () {
  "use strict";

  function setupCopyButtons(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-copy"));
      if (!target) return;
      button.hidden = false;
      var label = button.innerHTML;
      button.addEventListener("click", function () {
        var text = target.textContent.trim();
        var done = function () {
          button.textContent = "Kopieret";
          window.setTimeout(function () { button.innerHTML = label; }, 2000);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { selectText(target); });
        } else {
          selectText(target);
        }
      });
    });
  }

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function setupLiveSearch() {
    var form = document.getElementById("search-form");
    var region = document.getElementById("results-region");
    var live = document.getElementById("live-status");
    if (!form || !region || !window.fetch || !window.DOMParser) return;
    var input = form.querySelector("input[name=q]");
    var timer = null;
    var controller = null;
    var lastUrl = null;

    function run() {
      var params = new URLSearchParams(new FormData(form));
      if (params.get("mode") === "hybrid") params.delete("mode");
      var url = form.getAttribute("action") + (params.toString() ? "?" + params.toString() : "");
      if (url === lastUrl) return;
      lastUrl = url;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      region.setAttribute("aria-busy", "true");
      // while typing, the last word is unfinished: the server reads it as a prefix ("brandv")
      var fetchUrl = url + (url.indexOf("?") < 0 ? "?" : "&") + "partial=1";
      fetch(fetchUrl, { headers: { Accept: "text/html" }, signal: controller ? controller.signal : undefined })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("results-region");
          if (!fresh) return;
          region.innerHTML = fresh.innerHTML;
          region.removeAttribute("aria-busy");
          document.title = doc.title;
          history.replaceState(null, "", url);
          setupCopyButtons(region);
          var status = region.querySelector("#result-status");
          if (live) live.textContent = status ? status.textContent.replace(/\s+/g, " ").trim() : "";
        })
        .catch(function (err) {
          if (err && err.name === "AbortError") return;
          region.removeAttribute("aria-busy");
        });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(run, 250);
    }

    if (input) input.addEventListener("input", later);
    form.querySelectorAll("input[name=mode]").forEach(function (radio) {
      radio.addEventListener("change", run);
    });
    lastUrl = window.location.pathname + window.location.search;
  }

  function start() {
    setupCopyButtons(document);
    setupLiveSearch();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
