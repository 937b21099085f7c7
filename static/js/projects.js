/*
 * Projects: Play all, moving a project's takes by drag and by keyboard, and the player bar's
 * Add to project for the take playing now. Whatever plays goes through window.StudioPlayer.
 *
 * Markup (templates/projects/, base.html):
 *   [data-project-play-all]           plays the page's takes in their order (StudioPlayer.playAll)
 *   #project-items                    the list; every answer to a move or a removal replaces it
 *     [data-project-item][data-move-url]   a take: draggable; Alt+↑ / Alt+↓ press its
 *                                     [data-move="up|down"] button; [data-remove] removes it
 *   #player-project[data-menu-url]    the bar's <details>: shown while a take is current, its
 *                                     menu (/clips/<id>/projects) loaded for that take on opening
 * Everything is delegated from document, so pages swapped in by htmx (boost) need nothing.
 */
(function () {
  "use strict";
  if (window.studioProjects) return;
  window.studioProjects = true;

  function studioPlayer() {
    const player = window.StudioPlayer;
    return player && typeof player.play === "function" ? player : null;
  }

  function trackOf(element) {
    try {
      return JSON.parse(element.getAttribute("data-track") || "null");
    } catch (error) {
      return null;
    }
  }

  function closest(target, selector) {
    return target instanceof Element ? target.closest(selector) : null;
  }

  // --- Play all -----------------------------------------------------------------------------

  function pageTracks() {
    const controls = document.querySelectorAll('#project-items [data-project-item] [data-player="play"][data-track]');
    return Array.from(controls, trackOf).filter(Boolean);
  }

  document.addEventListener("click", (event) => {
    if (!closest(event.target, "[data-project-play-all]")) return;
    const player = studioPlayer();
    const tracks = pageTracks();
    if (player && player.playAll && tracks.length) player.playAll(tracks);
  });

  // In a menu's New project field the arrows, Home and End move the caret: a library row
  // (takes.js) would otherwise take them to move between its controls.
  const CARET_KEYS = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"];
  document.addEventListener(
    "keydown",
    (event) => {
      if (CARET_KEYS.includes(event.key) && closest(event.target, ".atp-new input")) event.stopPropagation();
    },
    true,
  );

  // --- Moving and removing: the focus comes back to the same take after the list is redrawn --

  let pendingFocus = null; // {id, item, neighbour}: what to focus once the new list is in

  function itemId(item) {
    return item ? item.getAttribute("data-project-item") : "";
  }

  document.addEventListener(
    "click",
    (event) => {
      const button = closest(event.target, "#project-items [data-move], #project-items [data-remove]");
      if (!button) return;
      const item = button.closest("[data-project-item]");
      const neighbour = button.hasAttribute("data-remove")
        ? item.nextElementSibling || item.previousElementSibling
        : null;
      const active = document.activeElement;
      // A keyboard press (below) keeps the focus where it was; a click, on the button.
      const focused = active && item.contains(active) && active.id ? active.id : button.id;
      pendingFocus = { id: focused, item: itemId(item), neighbour: itemId(neighbour) };
    },
    true,
  );

  document.addEventListener("keydown", (event) => {
    if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    const item = closest(event.target, "#project-items [data-project-item]");
    if (!item) return;
    event.preventDefault();
    const button = item.querySelector(event.key === "ArrowUp" ? '[data-move="up"]' : '[data-move="down"]');
    if (button && !button.disabled) button.click(); // a click: htmx sends the button's value
  });

  function restoreFocus() {
    const wanted = pendingFocus;
    pendingFocus = null;
    if (!wanted) return;
    const list = document.getElementById("project-items");
    const same = wanted.id ? document.getElementById(wanted.id) : null;
    if (same && list.contains(same) && !same.disabled) {
      same.focus();
      return;
    }
    let target = null;
    const item = list.querySelector('[data-project-item="' + (wanted.neighbour || wanted.item) + '"]');
    if (item && wanted.neighbour) target = item.querySelector("[data-remove]");
    else if (item) target = item.querySelector("[data-move]:not([disabled])") || item.querySelector(".pi-title");
    (target || document.getElementById("project-items-title")).focus();
  }

  document.addEventListener("htmx:load", (event) => {
    if (!event.target || event.target.id !== "project-items") return;
    restoreFocus();
    const playAll = document.querySelector("[data-project-play-all]");
    if (playAll) playAll.disabled = pageTracks().length === 0;
  });

  // --- Drag and drop (a mouse; the buttons and keys do the same) --------------------------

  let dragged = null;

  function clearDropMarks() {
    document.querySelectorAll("#project-items .drop-before, #project-items .drop-after").forEach((item) => {
      item.classList.remove("drop-before", "drop-after");
    });
  }

  function dropAfter(item, event) {
    const box = item.getBoundingClientRect();
    return event.clientY > box.top + box.height / 2;
  }

  document.addEventListener("dragstart", (event) => {
    const item = closest(event.target, "#project-items [data-project-item]");
    if (!item) return;
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", itemId(item));
  });

  document.addEventListener("dragover", (event) => {
    const item = closest(event.target, "#project-items [data-project-item]");
    if (!item || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    clearDropMarks();
    item.classList.add(dropAfter(item, event) ? "drop-after" : "drop-before");
  });

  document.addEventListener("drop", (event) => {
    const item = closest(event.target, "#project-items [data-project-item]");
    if (!item || !dragged) return;
    event.preventDefault();
    const items = Array.from(item.parentElement.querySelectorAll("[data-project-item]"));
    const from = items.indexOf(dragged);
    let to = items.indexOf(item) + (dropAfter(item, event) ? 1 : 0);
    if (from < to) to -= 1;
    const moving = dragged;
    dragged = null;
    clearDropMarks();
    if (from < 0 || from === to || !window.htmx) return;
    const active = document.activeElement;
    if (active && active.closest && active.closest("#project-items")) {
      pendingFocus = { id: active.id, item: itemId(moving), neighbour: "" };
    }
    // The server places it from the order it has now (another member may have moved others).
    window.htmx.ajax("POST", moving.getAttribute("data-move-url"), {
      source: "#project-items",
      target: "#project-items",
      swap: "outerHTML",
      values: { to: String(to + 1) },
    });
  });

  document.addEventListener("dragend", () => {
    dragged = null;
    clearDropMarks();
    document.querySelectorAll("#project-items .dragging").forEach((item) => item.classList.remove("dragging"));
  });

  // --- The player bar's Add to project ------------------------------------------------------

  const barMenu = document.getElementById("player-project");
  if (!barMenu) return;
  const barBody = barMenu.querySelector(".atp-body");
  const barLink = barMenu.querySelector("[data-atp-player-link]");

  function menuUrl(id) {
    return barMenu.getAttribute("data-menu-url").replace("/0/", "/" + encodeURIComponent(id) + "/");
  }

  function loadMenu(id) {
    if (!window.htmx || barBody.getAttribute("data-clip") === String(id)) return;
    barBody.setAttribute("data-clip", String(id));
    window.htmx
      .ajax("GET", menuUrl(id) + "?in=player", { source: barMenu, target: barBody, swap: "innerHTML" })
      .catch(() => barBody.removeAttribute("data-clip"));
  }

  function follow(track) {
    barMenu.hidden = !track;
    if (!track) {
      barMenu.open = false;
      return;
    }
    if (barLink && barLink.isConnected) {
      // Without the menu (before it loads), the link goes to the same menu as a page.
      const here = window.location.pathname + window.location.search;
      barLink.setAttribute("href", menuUrl(track.id) + "?next=" + encodeURIComponent(here));
      if (window.htmx) window.htmx.process(barLink);
    }
    if (barMenu.open) loadMenu(track.id);
  }

  barMenu.addEventListener("toggle", () => {
    const player = studioPlayer();
    const track = player && player.current();
    if (barMenu.open && track) loadMenu(track.id);
  });
  document.addEventListener("studio:trackchange", (event) => follow(event.detail && event.detail.track));
  const player = studioPlayer();
  follow(player ? player.current() : null); // the player restored its take before this ran
})();
