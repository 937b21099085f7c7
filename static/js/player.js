/*
 * The player bar (base.html): one <audio id="player-audio"> for the whole visit, a play queue,
 * loudness matching, MediaSession. It lives outside <main>, which is all that navigation
 * replaces (navigation.js), so it keeps playing from page to page.
 *
 * Any element with data-player="play|next|queue" and data-track='{"id", "src", "title", "song",
 * "cover", "duration", "gain"}' is a control (see ISSUE12 contract); other scripts use
 * window.StudioPlayer. The queue, the current take and its position are kept per user in
 * localStorage ("studio.player.<user id>") and come back paused after a reload.
 */
(function () {
  "use strict";
  if (window.StudioPlayer) return;

  const bar = document.getElementById("player");
  const audio = document.getElementById("player-audio");
  const userId = document.body.getAttribute("data-user-id");
  if (!bar || !audio || !userId) return;

  const STORAGE_PREFIX = "studio.player.";
  const STORAGE_KEY = STORAGE_PREFIX + userId;
  const RESTART_AFTER = 3; // Previous past this many seconds restarts the take
  const SAVE_EVERY_MS = 2000;

  const ui = {
    cover: document.getElementById("player-cover"),
    coverEmpty: document.getElementById("player-cover-empty"),
    title: document.getElementById("player-title"),
    idle: document.getElementById("player-idle"),
    previous: document.getElementById("player-previous"),
    toggle: document.getElementById("player-toggle"),
    next: document.getElementById("player-next"),
    seek: document.getElementById("player-seek"),
    time: document.getElementById("player-time"),
    normalise: document.getElementById("player-normalise"),
    queueToggle: document.getElementById("player-queue-toggle"),
    queueCount: document.getElementById("player-queue-count"),
    queuePanel: document.getElementById("player-queue"),
    queueList: document.getElementById("player-queue-list"),
    queueEmpty: document.getElementById("player-queue-empty"),
    queueClose: document.getElementById("player-queue-close"),
    clear: document.getElementById("player-clear"),
    status: document.getElementById("player-status"),
  };

  let queue = []; // tracks, in play order; the current one is queue[index]
  let index = -1;
  let normalise = true;
  let pendingSeek = null; // where to start once the media can seek (after a reload)
  let seeking = false; // the user is dragging the seek bar
  let lastSave = 0;
  let loggingOut = false;

  // --- Tracks -------------------------------------------------------------------------------

  function cleanTrack(raw) {
    if (!raw || typeof raw !== "object") return null;
    const id = Number(raw.id);
    const src = local(raw.src);
    if (!Number.isFinite(id) || !src) return null;
    return {
      id: id,
      src: src,
      title: typeof raw.title === "string" && raw.title ? raw.title : "Untitled take",
      song: local(raw.song),
      cover: local(raw.cover),
      duration: Number(raw.duration) > 0 ? Number(raw.duration) : 0,
      gain: Number.isFinite(Number(raw.gain)) ? Number(raw.gain) : 0,
    };
  }

  // Only this site's addresses: the CSP refuses other hosts' media anyway.
  function local(value) {
    if (typeof value !== "string" || !value) return "";
    try {
      const url = new URL(value, window.location.href);
      return url.origin === window.location.origin ? url.pathname + url.search : "";
    } catch (error) {
      return "";
    }
  }

  function trackOf(control) {
    try {
      return cleanTrack(JSON.parse(control.getAttribute("data-track") || "null"));
    } catch (error) {
      return null;
    }
  }

  function current() {
    return index >= 0 && index < queue.length ? queue[index] : null;
  }

  function positionOf(id) {
    return queue.findIndex((track) => track.id === id);
  }

  // --- Time ---------------------------------------------------------------------------------

  // Floored, like every duration the pages show ("0:24" everywhere, never 0:24 here, 0:25 there).
  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds || 0));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  // The server's duration first, so the bar shows the same "m:ss" as the pages.
  function duration() {
    const track = current();
    if (track && track.duration) return track.duration;
    return Number.isFinite(audio.duration) && audio.duration > 0 ? audio.duration : 0;
  }

  function position() {
    return pendingSeek !== null ? pendingSeek : audio.currentTime || 0;
  }

  // --- Loudness: track.gain (dB) through a GainNode, made on the first user gesture -----------

  let context = null;
  let gainNode = null;

  function ensureAudioGraph() {
    if (context) {
      if (context.state === "suspended") context.resume().catch(() => {});
      return;
    }
    const AudioContextClass = window.AudioContext || window.webkitAudioContext;
    if (!AudioContextClass) return;
    try {
      context = new AudioContextClass();
      gainNode = context.createGain();
      context.createMediaElementSource(audio).connect(gainNode);
      gainNode.connect(context.destination);
      applyGain();
    } catch (error) {
      context = null; // no Web Audio: the takes play at their own loudness
      gainNode = null;
    }
  }

  function applyGain() {
    if (!gainNode) return;
    const track = current();
    const db = normalise && track ? track.gain : 0;
    gainNode.gain.value = Math.pow(10, db / 20);
  }

  function onFirstGesture() {
    ensureAudioGraph();
    document.removeEventListener("pointerdown", onFirstGesture, true);
    document.removeEventListener("keydown", onFirstGesture, true);
  }
  document.addEventListener("pointerdown", onFirstGesture, true);
  document.addEventListener("keydown", onFirstGesture, true);

  // --- Storage ------------------------------------------------------------------------------

  function save(force) {
    if (loggingOut) return;
    const now = Date.now();
    if (!force && now - lastSave < SAVE_EVERY_MS) return;
    lastSave = now;
    const at = audio.ended ? 0 : position();
    const state = { v: 1, queue: queue, index: index, position: at, normalise: normalise };
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (error) {
      // Storage full or disabled: the queue lasts until the next reload only.
    }
  }

  function load() {
    try {
      const state = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null");
      if (!state || state.v !== 1 || !Array.isArray(state.queue)) return null;
      return state;
    } catch (error) {
      return null;
    }
  }

  function forgetKeys(keep) {
    try {
      const doomed = [];
      for (let i = 0; i < window.localStorage.length; i += 1) {
        const key = window.localStorage.key(i);
        if (key && key.startsWith(STORAGE_PREFIX) && key !== keep) doomed.push(key);
      }
      doomed.forEach((key) => window.localStorage.removeItem(key));
    } catch (error) {
      // Storage disabled: nothing was kept.
    }
  }

  // --- Playback -----------------------------------------------------------------------------

  function announce(text) {
    ui.status.textContent = "";
    window.setTimeout(() => {
      ui.status.textContent = text;
    }, 50);
  }

  function startPlaying() {
    ensureAudioGraph();
    const started = audio.play();
    if (started) {
      started.catch((error) => {
        if (error && error.name === "NotAllowedError") announce("Press Play to start.");
      });
    }
  }

  // Makes queue[at] the current take, from `from` seconds, playing or not.
  function selectTrack(at, from, andPlay) {
    index = at;
    const track = current();
    if (!track) {
      audio.removeAttribute("src");
      audio.load();
      pendingSeek = null;
    } else {
      if (audio.getAttribute("src") !== track.src) {
        audio.src = track.src; // starts at 0
        audio.preload = andPlay ? "auto" : "metadata";
        pendingSeek = from > 0 ? from : null;
      } else {
        pendingSeek = from; // the same file: it may be anywhere
      }
      if (audio.readyState >= 1) applyPendingSeek();
    }
    applyGain();
    render();
    announceTrack();
    document.dispatchEvent(new CustomEvent("studio:trackchange", { detail: { track: track } }));
    save(true);
    if (track && andPlay) startPlaying();
  }

  function applyPendingSeek() {
    if (pendingSeek === null) return;
    const end = duration();
    const target = end ? Math.min(pendingSeek, Math.max(0, end - 0.05)) : pendingSeek;
    pendingSeek = null;
    try {
      audio.currentTime = target;
    } catch (error) {
      // Not seekable yet; it starts from the beginning.
    }
  }

  function play(track, options) {
    const clean = cleanTrack(track);
    if (!clean) return;
    const at = options && Number.isFinite(Number(options.at)) ? Math.max(0, Number(options.at)) : null;
    const playing = current();
    if (playing && playing.id === clean.id) {
      queue[index] = clean; // fresher metadata (a renamed take)
      if (at !== null) seek(at);
      applyGain();
      render();
      startPlaying();
      return;
    }
    let where = positionOf(clean.id);
    if (where === -1) {
      where = index + 1;
      queue.splice(where, 0, clean);
    } else {
      queue[where] = clean;
    }
    selectTrack(where, at || 0, true);
  }

  // Play next / Add to queue: out of the queue if it is there, back in at `slot`.
  function place(track, slot, message) {
    const clean = cleanTrack(track);
    if (!clean) return;
    const playing = current();
    if (playing && playing.id === clean.id) {
      announce(clean.title + " is playing now.");
      return;
    }
    const where = positionOf(clean.id);
    if (where !== -1) {
      queue.splice(where, 1);
      if (where < index) index -= 1;
    }
    queue.splice(slot === "next" ? index + 1 : queue.length, 0, clean);
    if (index === -1) selectTrack(0, 0, false);
    announce(message + clean.title);
    changed();
  }

  function playNext(track) {
    place(track, "next", "Plays next: ");
  }

  function enqueue(track) {
    place(track, "end", "Added to queue: ");
  }

  // Play all (a project): these tracks become the whole queue, in this order, from the first.
  function playAll(tracks) {
    const seen = new Set(); // once each: the queue finds a take by its id
    const clean = (Array.isArray(tracks) ? tracks : []).map(cleanTrack).filter((track) => {
      if (!track || seen.has(track.id)) return false;
      seen.add(track.id);
      return true;
    });
    if (!clean.length) return;
    queue = clean;
    selectTrack(0, 0, true);
    announce("Playing all " + clean.length + ", from " + clean[0].title);
  }

  function toggle() {
    if (!current()) {
      if (queue.length) selectTrack(0, 0, true);
      return;
    }
    if (audio.paused) startPlaying();
    else audio.pause();
  }

  function next() {
    if (index + 1 < queue.length) selectTrack(index + 1, 0, true);
  }

  function previous() {
    if (!current()) return;
    if (position() > RESTART_AFTER || index === 0) {
      seek(0);
      return;
    }
    selectTrack(index - 1, 0, true);
  }

  function seek(seconds) {
    if (!current()) return;
    const end = duration();
    const target = Math.max(0, end ? Math.min(Number(seconds) || 0, end) : Number(seconds) || 0);
    if (audio.readyState >= 1) {
      pendingSeek = null;
      audio.currentTime = target;
    } else {
      pendingSeek = target;
      if (audio.preload === "none") audio.preload = "metadata";
      if (audio.networkState === HTMLMediaElement.NETWORK_EMPTY) audio.load();
    }
    renderTime();
    save(true);
  }

  // --- The queue panel ----------------------------------------------------------------------

  function move(from, to) {
    if (from === to || from < 0 || to < 0 || from >= queue.length || to >= queue.length) return false;
    const playing = current();
    const [track] = queue.splice(from, 1);
    queue.splice(to, 0, track);
    index = playing ? queue.indexOf(playing) : -1;
    announce(track.title + ": position " + (to + 1) + " of " + queue.length);
    changed();
    return true;
  }

  function remove(at) {
    if (at < 0 || at >= queue.length) return;
    const [track] = queue.splice(at, 1);
    announce("Removed: " + track.title);
    if (at < index) {
      index -= 1;
      changed();
    } else if (at === index) {
      const wasPlaying = !audio.paused;
      audio.pause();
      selectTrack(index < queue.length ? index : queue.length - 1, 0, wasPlaying);
    } else {
      changed();
    }
  }

  function clear() {
    const playing = current();
    queue = playing ? [playing] : [];
    index = playing ? 0 : -1;
    announce(playing ? "Queue cleared: only the playing take is left." : "Queue cleared.");
    changed();
  }

  function changed() {
    render();
    save(true);
  }

  function entry(track, at) {
    const item = document.createElement("li");
    item.className = "pb-entry";
    item.draggable = true;
    item.dataset.index = String(at);
    item.dataset.id = String(track.id);
    if (at === index) item.setAttribute("aria-current", "true");
    const titleId = "player-entry-" + track.id;

    const grip = document.createElement("span");
    grip.className = "pb-grip";
    grip.setAttribute("aria-hidden", "true");
    grip.textContent = "⠿";

    const title = document.createElement("button");
    title.type = "button";
    title.className = "link pb-entry-title";
    title.id = titleId;
    title.dataset.queueAction = "play";
    title.textContent = track.title;

    const meta = document.createElement("span");
    meta.className = "pb-entry-meta";
    meta.textContent = (at === index ? "Now playing · " : "") + clock(track.duration);

    const actions = document.createElement("span");
    actions.className = "pb-entry-actions";
    [
      ["up", "Move up", at === 0],
      ["down", "Move down", at === queue.length - 1],
      ["remove", "Remove", false],
    ].forEach(([action, label, disabled]) => {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.queueAction = action;
      button.textContent = label;
      button.disabled = disabled;
      button.setAttribute("aria-describedby", titleId);
      actions.appendChild(button);
    });

    item.append(grip, title, meta, actions);
    return item;
  }

  // The list is drawn anew on every change; the focus stays on the same take's same button
  // (or its other Move button when that one became disabled at an end of the list).
  function renderQueue(focus) {
    const active = document.activeElement;
    if (!focus && active && ui.queueList.contains(active)) {
      const item = active.closest(".pb-entry");
      focus = { id: Number(item.dataset.id), action: active.dataset.queueAction || "play" };
    }
    ui.queueList.replaceChildren(...queue.map((track, at) => entry(track, at)));
    if (focus) {
      const item = ui.queueList.querySelector('.pb-entry[data-id="' + focus.id + '"]');
      const target = item && (
        item.querySelector('[data-queue-action="' + focus.action + '"]:not([disabled])') ||
        item.querySelector('[data-queue-action="up"]:not([disabled]), [data-queue-action="down"]:not([disabled])') ||
        item.querySelector('[data-queue-action="play"]'));
      if (target) target.focus();
    }
    ui.queueEmpty.hidden = queue.length > 0;
    ui.clear.disabled = queue.length <= (current() ? 1 : 0);
    renderQueueCount();
  }

  function openQueue(open) {
    ui.queuePanel.hidden = !open;
    ui.queueToggle.setAttribute("aria-expanded", String(open));
    if (open) renderQueue();
  }

  // Buttons and the keyboard.
  ui.queueList.addEventListener("click", (event) => {
    const button = event.target.closest("[data-queue-action]");
    const item = event.target.closest(".pb-entry");
    if (!button || !item) return;
    const at = Number(item.dataset.index);
    const action = button.dataset.queueAction;
    const id = Number(item.dataset.id);
    if (action === "play") {
      if (at === index) toggle();
      else selectTrack(at, 0, true);
    } else if (action === "up") {
      move(at, at - 1);
    } else if (action === "down") {
      move(at, at + 1);
    } else if (action === "remove") {
      const neighbour = queue[at + 1] || queue[at - 1];
      ui.queueToggle.focus(); // off the button that goes away
      remove(at);
      if (neighbour) renderQueue({ id: neighbour.id, action: "remove" });
    }
    if (action === "up" || action === "down") renderQueue({ id: id, action: action });
  });

  ui.queueList.addEventListener("keydown", (event) => {
    if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    const item = event.target.closest(".pb-entry");
    if (!item) return;
    event.preventDefault();
    const at = Number(item.dataset.index);
    const to = event.key === "ArrowUp" ? at - 1 : at + 1;
    move(at, to); // the focus stays where it was, on the take that moved
  });

  // Drag and drop (a mouse; the buttons and keys do the same everywhere).
  let dragFrom = -1;
  function clearDropMarks() {
    ui.queueList.querySelectorAll(".drop-before, .drop-after").forEach((item) => {
      item.classList.remove("drop-before", "drop-after");
    });
  }
  function dropAfter(item, event) {
    const box = item.getBoundingClientRect();
    return event.clientY > box.top + box.height / 2;
  }
  ui.queueList.addEventListener("dragstart", (event) => {
    const item = event.target.closest && event.target.closest(".pb-entry");
    if (!item) return;
    dragFrom = Number(item.dataset.index);
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.id);
  });
  ui.queueList.addEventListener("dragover", (event) => {
    const item = event.target.closest && event.target.closest(".pb-entry");
    if (!item || dragFrom < 0) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    clearDropMarks();
    item.classList.add(dropAfter(item, event) ? "drop-after" : "drop-before");
  });
  ui.queueList.addEventListener("drop", (event) => {
    const item = event.target.closest && event.target.closest(".pb-entry");
    if (!item || dragFrom < 0) return;
    event.preventDefault();
    const over = Number(item.dataset.index);
    let to = dropAfter(item, event) ? over + 1 : over;
    if (dragFrom < to) to -= 1;
    const from = dragFrom;
    dragFrom = -1;
    clearDropMarks();
    move(from, Math.min(to, queue.length - 1));
  });
  ui.queueList.addEventListener("dragend", () => {
    dragFrom = -1;
    clearDropMarks();
    ui.queueList.querySelectorAll(".dragging").forEach((item) => item.classList.remove("dragging"));
  });

  ui.queueToggle.addEventListener("click", () => openQueue(ui.queuePanel.hidden));
  ui.queueClose.addEventListener("click", () => {
    openQueue(false);
    ui.queueToggle.focus();
  });
  ui.queuePanel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      openQueue(false);
      ui.queueToggle.focus();
    }
  });
  ui.clear.addEventListener("click", () => {
    clear();
    ui.queueClose.focus();
  });

  // --- The bar ------------------------------------------------------------------------------

  function renderTime() {
    const end = duration();
    const now = Math.min(position(), end || Infinity);
    if (!seeking) {
      ui.seek.max = String(end ? Math.round(end * 10) / 10 : 0);
      ui.seek.value = String(now);
    }
    const shown = seeking ? Number(ui.seek.value) : now;
    ui.time.textContent = clock(shown) + " / " + clock(end);
    ui.seek.setAttribute("aria-valuetext", clock(shown) + " of " + clock(end));
  }

  function announceTrack() {
    const track = current();
    if (!("mediaSession" in navigator)) return;
    if (!track) {
      navigator.mediaSession.metadata = null;
      return;
    }
    try {
      const art = track.cover ? [{ src: new URL(track.cover, location.href).href }] : [];
      navigator.mediaSession.metadata = new MediaMetadata({
        title: track.title,
        artist: "Studio",
        artwork: art,
      });
    } catch (error) {
      // MediaMetadata missing: the system shows the page title instead.
    }
  }

  function updatePositionState() {
    if (!("mediaSession" in navigator) || !navigator.mediaSession.setPositionState) return;
    const end = duration();
    if (!end || !current()) return;
    try {
      navigator.mediaSession.setPositionState({
        duration: end,
        playbackRate: audio.playbackRate || 1,
        position: Math.min(position(), end),
      });
    } catch (error) {
      // A position past the end while the next take loads: the next update fixes it.
    }
  }

  // A "Play …" label reads "Pause …" while that take plays (its first words of text only, so
  // icons and hidden text inside the control stay as they are).
  function relabel(control, playing) {
    const walker = document.createTreeWalker(control, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.nodeValue.trim()) continue;
      const from = playing ? /^(\s*)Play\b/ : /^(\s*)Pause\b/;
      if (from.test(node.nodeValue)) node.nodeValue = node.nodeValue.replace(from, playing ? "$1Pause" : "$1Play");
      return;
    }
  }

  function renderControls() {
    const track = current();
    const playing = track && !audio.paused;
    document.querySelectorAll('[data-player="play"]').forEach((control) => {
      const own = trackOf(control);
      const state = own && track && own.id === track.id ? (playing ? "playing" : "paused") : "";
      if (control.dataset.state === state) return;
      if (state) control.dataset.state = state;
      else delete control.dataset.state;
      relabel(control, state === "playing");
    });
  }

  function render() {
    const track = current();
    bar.toggleAttribute("data-empty", !track);
    bar.toggleAttribute("data-playing", Boolean(track) && !audio.paused);
    ui.idle.hidden = Boolean(track);
    ui.title.hidden = !track;
    if (track) {
      ui.title.textContent = track.title;
      const href = track.song || "/";
      if (ui.title.getAttribute("href") !== href) {
        ui.title.setAttribute("href", href);
        // htmx took the link's address when it boosted it: a new one must be boosted again.
        if (window.htmx) window.htmx.process(ui.title);
      }
    }
    if (track && track.cover) {
      if (ui.cover.getAttribute("src") !== track.cover) ui.cover.src = track.cover;
      ui.cover.hidden = false;
      ui.coverEmpty.hidden = true;
    } else {
      ui.cover.hidden = true;
      ui.cover.removeAttribute("src");
      ui.coverEmpty.hidden = false;
    }
    const paused = audio.paused;
    ui.toggle.textContent = track && !paused ? "Pause" : "Play";
    ui.toggle.disabled = !track && !queue.length;
    ui.previous.disabled = !track;
    ui.next.disabled = index + 1 >= queue.length;
    ui.seek.disabled = !track;
    ui.normalise.checked = normalise;
    renderTime();
    renderControls();
    if (!ui.queuePanel.hidden) renderQueue();
    else renderQueueCount();
    if ("mediaSession" in navigator) {
      navigator.mediaSession.playbackState = track ? (paused ? "paused" : "playing") : "none";
    }
  }

  function renderQueueCount() {
    const upcoming = Math.max(0, queue.length - index - 1);
    ui.queueCount.textContent = "(" + upcoming + ")";
  }

  ui.toggle.addEventListener("click", toggle);
  ui.previous.addEventListener("click", previous);
  ui.next.addEventListener("click", next);
  ui.seek.addEventListener("input", () => {
    seeking = true;
    renderTime();
  });
  ui.seek.addEventListener("change", () => {
    seeking = false;
    seek(Number(ui.seek.value));
  });
  ui.normalise.addEventListener("change", () => {
    normalise = ui.normalise.checked;
    ensureAudioGraph();
    applyGain();
    save(true);
  });

  // --- The audio element --------------------------------------------------------------------

  audio.addEventListener("loadedmetadata", () => {
    applyPendingSeek();
    renderTime();
  });
  audio.addEventListener("play", () => {
    render();
    save(true);
  });
  audio.addEventListener("pause", () => {
    render();
    save(true);
  });
  audio.addEventListener("timeupdate", () => {
    renderTime();
    updatePositionState();
    save(false);
  });
  audio.addEventListener("durationchange", renderTime);
  audio.addEventListener("ended", () => {
    if (index + 1 < queue.length) {
      selectTrack(index + 1, 0, true);
    } else {
      render();
      save(true);
    }
  });
  audio.addEventListener("error", () => {
    const track = current();
    if (track && audio.error) announce("Could not play " + track.title + ".");
  });

  // One thing plays at a time: any other media element that starts pauses us, and we pause it.
  document.addEventListener(
    "play",
    (event) => {
      const media = event.target;
      if (!(media instanceof HTMLMediaElement)) return;
      if (media === audio) {
        document.querySelectorAll("audio, video").forEach((other) => {
          if (other !== audio && !other.paused) other.pause();
        });
      } else if (!audio.paused) {
        audio.pause();
      }
    },
    true,
  );

  // --- Controls anywhere in the page (event delegation, so swapped-in pages need nothing) -----

  document.addEventListener("click", (event) => {
    const control = event.target.closest && event.target.closest("[data-player]");
    if (!control) return;
    const action = control.getAttribute("data-player");
    if (action !== "play" && action !== "next" && action !== "queue") return;
    const track = trackOf(control);
    if (!track) return;
    event.preventDefault();
    if (action === "play") {
      const playing = current();
      if (playing && playing.id === track.id && !audio.paused) audio.pause();
      else play(track);
    } else if (action === "next") {
      playNext(track);
    } else {
      enqueue(track);
    }
  });

  document.addEventListener("htmx:load", renderControls);

  // --- MediaSession actions -----------------------------------------------------------------

  if ("mediaSession" in navigator) {
    const handlers = {
      play: () => (current() ? startPlaying() : toggle()),
      pause: () => audio.pause(),
      previoustrack: previous,
      nexttrack: next,
      seekto: (details) => seek(details.seekTime),
      seekbackward: (details) => seek(position() - (details.seekOffset || 5)),
      seekforward: (details) => seek(position() + (details.seekOffset || 5)),
    };
    Object.keys(handlers).forEach((action) => {
      try {
        navigator.mediaSession.setActionHandler(action, handlers[action]);
      } catch (error) {
        // An action this browser does not know.
      }
    });
  }

  // --- Room for the bar, storage across reloads and logout ----------------------------------

  function keepRoom() {
    document.documentElement.style.setProperty("--player-space", bar.offsetHeight + "px");
  }
  if (window.ResizeObserver) new ResizeObserver(keepRoom).observe(bar);
  keepRoom();

  window.addEventListener("pagehide", () => save(true));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") save(true);
  });
  // Logging out forgets the queue, like the drafts (logout.js): the next person here starts empty.
  document.addEventListener(
    "submit",
    (event) => {
      if (event.target && event.target.hasAttribute && event.target.hasAttribute("data-logout")) {
        loggingOut = true;
        audio.pause();
        forgetKeys(null);
      }
    },
    true,
  );

  function restore() {
    forgetKeys(STORAGE_KEY); // other users' queues on this browser (their session ran out)
    const state = load();
    if (!state) {
      render();
      return;
    }
    queue = state.queue.map(cleanTrack).filter(Boolean);
    normalise = state.normalise !== false;
    const at = Number.isInteger(state.index) && state.index < queue.length ? state.index : queue.length ? 0 : -1;
    if (at >= 0) {
      index = at;
      const track = current();
      audio.preload = "metadata";
      audio.src = track.src;
      pendingSeek = Number(state.position) > 0 ? Number(state.position) : null;
      applyGain();
      announceTrack();
      document.dispatchEvent(new CustomEvent("studio:trackchange", { detail: { track: track } }));
    }
    render();
  }

  window.StudioPlayer = {
    play: play,
    playNext: playNext,
    enqueue: enqueue,
    playAll: playAll,
    toggle: toggle,
    next: next,
    previous: previous,
    seek: seek,
    current: current,
    // Where the current take is (or, just after a reload, where it will start), in seconds.
    position: position,
    queue: () => queue.slice(),
    // What the GainNode applies now, in dB (0 before the first gesture made it, or without Web Audio).
    appliedGainDb: () => (gainNode ? 20 * Math.log10(gainNode.gain.value) : 0),
    get audio() {
      return audio;
    },
    get normalise() {
      return normalise;
    },
    set normalise(value) {
      normalise = Boolean(value);
      applyGain();
      render();
      save(true);
    },
  };

  restore();
})();
