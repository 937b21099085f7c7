/*
 * Moving between pages without reloading them, so the player bar keeps playing.
 *
 * base.html boosts every link and form of a signed-in page (hx-boost on <body>). A boosted
 * answer is a whole page: only its <main id="main"> replaces ours (htmx pushes the URL and takes
 * the new <title>; <main hx-history-elt> is what Back and Forward restore). The target, select
 * and swap are set here, for boosted requests only, rather than as hx-target/hx-select on
 * <body>: those attributes are inherited, and every hx-get/hx-post fragment in the pages (picks,
 * titles, filters, the queue's polling) would then look for a #main in its answer.
 *
 * What must stay a real page load: downloads (a[download], ?download), player controls that
 * are links, and any answer that is not one of our pages or belongs to someone else (a login
 * page after the session ran out, another user after signing in).
 */
(function () {
  "use strict";

  const NOT_BOOSTED = 'a[download], a[href*="?download"], a[data-player], a[target]:not([target="_self"])';

  // Before htmx wires an element: links that must load for real say so themselves.
  document.addEventListener("htmx:beforeProcessNode", (event) => {
    const elt = event.target;
    if (elt instanceof HTMLAnchorElement && elt.matches(NOT_BOOSTED) && !elt.hasAttribute("hx-boost")) {
      elt.setAttribute("hx-boost", "false");
    }
  });

  function pageUser(html) {
    const body = /<body\b[^>]*>/i.exec(html);
    if (!body) return null;
    const id = /\sdata-user-id="(\d+)"/.exec(body[0]);
    return id ? id[1] : "";
  }

  function hasMain(html) {
    return /<main\b[^>]*\sid="main"/i.test(html);
  }

  // The answer's header: which navigation link is the current page, and who is signed in.
  function syncHeader(html) {
    const start = html.search(/<header\b/i);
    const end = html.search(/<\/header>/i);
    if (start < 0 || end < 0) return;
    const template = document.createElement("template");
    template.innerHTML = html.slice(start, end + "</header>".length);
    const fresh = template.content;
    document.querySelectorAll("#main-nav a").forEach((link) => {
      const twin = fresh.querySelector('#main-nav a[href="' + CSS.escape(link.getAttribute("href")) + '"]');
      if (twin && twin.hasAttribute("aria-current")) link.setAttribute("aria-current", twin.getAttribute("aria-current"));
      else link.removeAttribute("aria-current");
    });
    const who = document.querySelector("[data-who]");
    const freshWho = fresh.querySelector("[data-who]");
    if (who && freshWho && who.textContent !== freshWho.textContent) who.textContent = freshWho.textContent;
    const credits = document.querySelector("[data-credits]");
    const freshCredits = fresh.querySelector("[data-credits]");
    if (credits && freshCredits) {
      credits.textContent = freshCredits.textContent;
      credits.className = freshCredits.className;
      credits.hidden = freshCredits.hidden;
    }
  }

  function fullLoad(detail) {
    const xhr = detail.xhr;
    const verb = detail.requestConfig ? String(detail.requestConfig.verb).toLowerCase() : "get";
    detail.shouldSwap = false;
    if (verb === "get" || xhr.status < 400) {
      window.location.assign(xhr.responseURL || detail.pathInfo.requestPath);
      return;
    }
    // A failed POST whose answer is not one of our pages (a CSRF failure, a server error):
    // show it as the browser would have, without running it again.
    const doc = new DOMParser().parseFromString(xhr.response, "text/html");
    document.replaceChild(document.adoptNode(doc.documentElement), document.documentElement);
  }

  document.addEventListener("htmx:beforeSwap", (event) => {
    const detail = event.detail;
    if (!detail.boosted) return;
    const xhr = detail.xhr;
    const type = xhr.getResponseHeader("Content-Type") || "";
    const html = typeof xhr.response === "string" ? xhr.response : "";
    const me = document.body.getAttribute("data-user-id") || "";
    if (!type.includes("text/html") || !hasMain(html) || pageUser(html) !== me) {
      fullLoad(detail);
      return;
    }
    // Our page, for us: a form re-rendered with its errors (400) is shown like any other.
    detail.shouldSwap = true;
    detail.isError = false;
    detail.target = document.getElementById("main");
    detail.selectOverride = "#main";
    detail.swapOverride = "outerHTML";
    syncHeader(html);
  });

  // Keyboard and screen reader users land on the new page's heading, as after a page load.
  document.addEventListener("htmx:afterSettle", (event) => {
    const detail = event.detail;
    if (!detail.boosted || !detail.target || detail.target.id !== "main") return;
    const main = document.getElementById("main");
    if (!main || (document.activeElement && main.contains(document.activeElement))) return;
    if (window.location.hash) return; // htmx scrolled to the anchor: leave it there
    const heading = main.querySelector("h1");
    const target = heading || main;
    if (heading && !heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
  });
})();
