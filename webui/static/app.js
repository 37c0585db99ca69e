// Budgetsøgning: optional enhancements. Everything works without this file.
// - search as you type: fetches the search page and swaps in its results region; each settled
//   search is one history entry (Back returns to the previous query): typing replaces the
//   entry its search began, Enter or a pause commits it, and the next search pushes one
// - keyboard: "/" focuses the search field, Esc clears it
// - copy buttons: citation + permalink (navigator.clipboard; where that is unavailable, e.g.
//   plain HTTP on a LAN, the text is selected and the button says to press Ctrl+C); a
//   permalink given as a path is shown whole, from the page's own address
// - filters: open as a column on wide screens, a closed control above the results on phones
(function () {
  "use strict";

  var WIDE = "(min-width: 47.5rem)";
  var SETTLED_MS = 1200; // typing that pauses this long ends a search: the next one is a new entry

  function copyKeys() {
    return /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent) ? "⌘+C" : "Ctrl+C";
  }

  // A permalink shown in a citation is a path (the server never trusts the Host header a
  // client sends): shown and copied whole, from this page's own address.
  function absoluteLinks(root) {
    root.querySelectorAll("[data-link]").forEach(function (node) {
      var path = node.textContent.trim();
      if (path.charAt(0) === "/" && path.charAt(1) !== "/") {
        node.textContent = new URL(path, window.location.href).href;
      }
    });
  }

  function setupCopyButtons(root) {
    absoluteLinks(root);
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-copy"));
      if (!target || button.getAttribute("data-ready")) return;
      button.setAttribute("data-ready", "1");
      button.hidden = false;
      var label = button.innerHTML;
      var status = document.createElement("span");
      status.className = "copy-status";
      status.setAttribute("role", "status");
      button.insertAdjacentElement("afterend", status);
      var restore = function () {
        window.setTimeout(function () { button.innerHTML = label; status.textContent = ""; }, 4000);
      };
      var fallback = function () {
        target.classList.add("revealed");
        selectText(target);
        status.textContent = "Teksten er markeret: tryk " + copyKeys() + " for at kopiere.";
        restore();
      };
      button.addEventListener("click", function () {
        var text = target.textContent.replace(/\s+/g, " ").trim();
        if (navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(function () {
            button.textContent = "Kopieret";
            status.textContent = "Kildehenvisningen er kopieret.";
            restore();
          }, fallback);
        } else {
          fallback();
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

  function setupFacets(root) {
    if (!window.matchMedia) return;
    var wide = window.matchMedia(WIDE);
    root.querySelectorAll("details.facets-details").forEach(function (details) {
      details.open = wide.matches;
    });
  }

  function setupLiveSearch() {
    var form = document.getElementById("search-form");
    var region = document.getElementById("results-region");
    var live = document.getElementById("live-status");
    if (!form || !region || !window.fetch || !window.DOMParser || !window.history.pushState) return;
    var input = form.querySelector("input[name=q]");
    var timer = null;
    var controller = null;
    var shownUrl = window.location.pathname + window.location.search;
    var lastInput = 0; // when the user last typed
    var pendingPush = false; // the next search shown is a new history entry

    function formUrl() {
      var params = new URLSearchParams(new FormData(form));
      if (params.get("mode") === "hybrid") params.delete("mode");
      if (!params.get("q")) params.delete("q");
      var query = params.toString();
      return form.getAttribute("action") + (query ? "?" + query : "");
    }

    var shownPartial = false; // the results shown read the last word as a prefix

    function show(url, how, whole) {
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      region.setAttribute("aria-busy", "true");
      // while typing, the last word is unfinished: the server reads it as a prefix ("brandv");
      // the address in the history stays the plain search
      // "link": a link followed in place (a new history entry; the search as it stands)
      // whole: a committed search (Enter) reads its words as typed
      var partial = Boolean(how && how !== "link" && !whole);
      var fetchUrl = partial ? url + (url.indexOf("?") < 0 ? "?" : "&") + "partial=1" : url;
      return fetch(fetchUrl, { headers: { Accept: "text/html" }, signal: controller ? controller.signal : undefined })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("results-region");
          if (!fresh) return;
          region.innerHTML = fresh.innerHTML;
          region.removeAttribute("aria-busy");
          document.title = doc.title;
          if (how === "push" || how === "link") {
            history.pushState(null, "", url);
            pendingPush = false;
          } else if (how === "replace") {
            history.replaceState(null, "", url);
          }
          shownUrl = url;
          shownPartial = partial;
          setupCopyButtons(region);
          setupFacets(region);
          var status = region.querySelector("#result-status");
          var anchor = how === "link" && url.indexOf("#") >= 0 && document.getElementById(url.split("#")[1]);
          if (anchor) {
            anchor.setAttribute("tabindex", "-1");
            anchor.focus();
          }
          if (live) live.textContent = status ? status.textContent.replace(/\s+/g, " ").trim() : "";
        })
        .catch(function (err) {
          if (err && err.name === "AbortError") return;
          region.removeAttribute("aria-busy");
        });
    }

    function run() {
      var url = formUrl();
      if (url === shownUrl) return;
      // the first search of a burst of typing is a new history entry; later ones refine it
      show(url, pendingPush ? "push" : "replace");
    }

    function later() {
      var now = Date.now();
      if (now - lastInput > SETTLED_MS) pendingPush = true;
      lastInput = now;
      window.clearTimeout(timer);
      timer = window.setTimeout(run, 250);
    }

    // Enter or "Søg" commits the search: it takes the history entry typing made for it (or a
    // new one after a committed search), never one more, and the next typing starts a new one
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      var url = formUrl();
      if (url !== shownUrl || shownPartial) show(url, pendingPush ? "push" : "replace", true);
      pendingPush = true;
      lastInput = 0;
    });

    if (input) {
      input.addEventListener("input", later);
      input.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && input.value) {
          event.preventDefault();
          input.value = "";
          later();
        }
      });
    }
    form.querySelectorAll("input[name=mode]").forEach(function (radio) {
      radio.addEventListener("change", function () { pendingPush = true; lastInput = 0; run(); });
    });
    // "Vis N relaterede afsnit": shown in place, without a reload (a plain link without JS)
    region.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[data-related]") : null;
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button) return;
      event.preventDefault();
      show(link.getAttribute("href"), "link");
    });
    window.addEventListener("popstate", function () {
      var url = window.location.pathname + window.location.search;
      if (url === shownUrl) return; // only the #fragment changed ("Gå til resultater"): keep the page
      var params = new URLSearchParams(window.location.search);
      if (input) input.value = params.get("q") || "";
      var mode = params.get("mode") || "hybrid";
      form.querySelectorAll("input[name=mode]").forEach(function (radio) { radio.checked = radio.value === mode; });
      pendingPush = false;
      lastInput = 0;
      show(url, null);
    });
  }

  function setupKeys() {
    var input = document.getElementById("q");
    if (!input) return;
    document.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      var el = document.activeElement;
      var tag = el && el.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (el && el.isContentEditable)) return;
      event.preventDefault();
      input.focus();
      input.select();
    });
  }

  function start() {
    setupCopyButtons(document);
    setupFacets(document);
    setupLiveSearch();
    setupKeys();
    if (window.matchMedia) {
      var wide = window.matchMedia(WIDE);
      var onChange = function () { setupFacets(document); };
      if (wide.addEventListener) wide.addEventListener("change", onChange);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
