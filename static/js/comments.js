/*
 * Comments on the song page (templates/comments/): stamped with the playhead of their take,
 * shown as markers on the takes' waveforms, and kept up to date while the page is visible.
 *
 * Markup:
 *   [data-comments-list]              the conversation; htmx reloads it on studio:comments-poll
 *                                     (the server answers 204 when nothing changed)
 *   [data-comment-seek][data-clip][data-at]   "at 1:12": plays that take from there
 *   [data-comment-form]               a new comment: select[name=clip], the "at the playhead"
 *                                     checkbox [name=stamped] with its [data-comment-playhead]
 *                                     label, and the hidden [name=at] filled as it is sent
 * Playing goes through window.StudioPlayer (player.js) and the takes' Play buttons' tracks;
 * waveforms are takes.js's (window.studioTakes.surfer), markers come from wavesurfer's regions.
 */
(function () {
  "use strict";
  if (window.studioComments) return;

  const POLL_MS = 5000;
  const lastHeard = new Map(); // clip id -> seconds: where each take was last heard
  const markerPlugins = new WeakMap(); // WaveSurfer -> its Regions plugin for comment markers
  const chosenByHand = new WeakSet(); // new-comment forms whose take the user picked
  let poller = null;
  let boundAudio = null;

  // The player and the take it is on, as takes.js (loaded before this file) sees them.
  const studioPlayer = () => window.studioTakes.player();
  const currentId = () => window.studioTakes.currentId();

  // Floored, like every time the pages show.
  function clock(seconds) {
    const whole = Math.max(0, Math.floor(seconds || 0));
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  }

  function trackOf(clipId) {
    const button = document.querySelector(
      '[data-take][data-clip="' + CSS.escape(String(clipId)) + '"] [data-player="play"][data-track]'
    );
    if (!button) return null;
    try {
      return JSON.parse(button.dataset.track);
    } catch (error) {
      return null;
    }
  }

  // Where a take is: the playhead if it is the player's current track, else where it was last
  // heard on this page, else its start; never past its end (the server refuses that).
  function positionOf(clipId) {
    const player = studioPlayer();
    let seconds = lastHeard.get(String(clipId)) || 0;
    if (player && currentId() === String(clipId)) seconds = player.position();
    const track = trackOf(clipId);
    const end = track && Number(track.duration) > 0 ? Number(track.duration) : Infinity;
    return Math.floor(Math.max(0, Math.min(seconds, end)) * 100) / 100;
  }

  function playAt(clipId, seconds) {
    const track = trackOf(clipId);
    const takes = window.studioTakes;
    if (track && takes && takes.playAt) takes.playAt(track, seconds);
  }

  // The new comment's form

  function formParts(form) {
    return {
      take: form.querySelector('select[name="clip"]'),
      stamped: form.querySelector('input[name="stamped"]'),
      at: form.querySelector('input[name="at"]'),
      label: form.querySelector("[data-comment-playhead]"),
    };
  }

  function refreshForm(form) {
    const parts = formParts(form);
    if (!parts.take) return;
    const id = currentId();
    const playing = id && Array.from(parts.take.options).some((option) => option.value === id);
    if (playing && !chosenByHand.has(form) && parts.take.value !== id) parts.take.value = id;
    if (parts.label) {
      const text = " (" + clock(positionOf(parts.take.value)) + ")";
      if (parts.label.textContent !== text) parts.label.textContent = text;
      parts.label.hidden = false;
    }
  }

  function refreshForms() {
    document.querySelectorAll("[data-comment-form]").forEach(refreshForm);
  }

  // The time is the playhead's as the comment is sent, not as it was when typing began.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target.closest && event.target.closest("[data-comment-form]");
      if (!form) return;
      const parts = formParts(form);
      if (!parts.take || !parts.at) return;
      const stamped = !parts.stamped || parts.stamped.checked;
      parts.at.value = stamped ? String(positionOf(parts.take.value)) : "";
    },
    true
  );

  document.addEventListener("change", (event) => {
    const form = event.target.closest && event.target.closest("[data-comment-form]");
    if (!form) return;
    if (event.target.name === "clip") chosenByHand.add(form);
    refreshForm(form);
  });

  // "at 1:12" seeks; so does a marker (below).
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-comment-seek]");
    if (button) playAt(button.dataset.clip, Number(button.dataset.at) || 0);
  });

  // Markers on the waveforms

  function color(name, fallback) {
    return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
  }

  function markersOf(surfer, clipId) {
    let plugin = markerPlugins.get(surfer);
    if (!plugin) {
      plugin = surfer.registerPlugin(window.WaveSurfer.Regions.create());
      plugin.on("region-clicked", (region, event) => {
        event.stopPropagation(); // ours, not the waveform's own click-to-seek
        playAt(clipId, region.start);
      });
      markerPlugins.set(surfer, plugin);
    }
    return plugin;
  }

  // A dot on the marker's line: something to point at. Styled here (the CSP allows element.style,
  // not style attributes), as it lives in the waveform's shadow root, out of our stylesheets' reach.
  function dot(mark, tint) {
    const element = document.createElement("span");
    element.title = mark.label;
    Object.assign(element.style, {
      position: "absolute",
      top: "0",
      left: "-6px",
      width: "10px",
      height: "10px",
      borderRadius: "50%",
      background: tint,
      border: "1px solid #fff",
      cursor: "pointer",
    });
    return element;
  }

  function showMarkers(surfer, clipId, marks) {
    if (!marks.length && !markerPlugins.has(surfer)) return; // no comments yet: no plugin
    const plugin = markersOf(surfer, clipId);
    const tint = color("--warn", "#a05a00");
    plugin.clearRegions();
    marks.forEach((mark) => {
      plugin.addRegion({
        start: mark.at,
        color: tint,
        drag: false,
        resize: false,
        content: dot(mark, tint),
      });
    });
  }

  function commentMarks(list) {
    const byClip = new Map();
    list.querySelectorAll("[data-comment-seek]").forEach((button) => {
      const comment = button.closest(".comment");
      const author = comment && comment.querySelector(".comment-author");
      const text = comment && comment.querySelector(".comment-text");
      const label = (author ? author.textContent.trim() + " " : "") + button.textContent.trim() +
        (text ? ": " + text.textContent.trim().slice(0, 80) : "");
      const marks = byClip.get(button.dataset.clip) || [];
      marks.push({ at: Number(button.dataset.at) || 0, label: label });
      byClip.set(button.dataset.clip, marks);
    });
    return byClip;
  }

  function drawMarkers() {
    const list = document.querySelector("[data-comments-list]");
    const takes = window.studioTakes;
    if (!list || !takes || !takes.surfer || !window.WaveSurfer || !window.WaveSurfer.Regions) return;
    const byClip = commentMarks(list);
    document.querySelectorAll("[data-waveform][data-clip]").forEach((wave) => {
      const surfer = takes.surfer(wave);
      if (!surfer) return;
      const clipId = wave.dataset.clip;
      const draw = () => showMarkers(surfer, clipId, byClip.get(clipId) || []);
      // Before the waveform is ready its length is 0, and a region would be clamped to 0.
      if (surfer.getDuration() > 0) draw();
      else surfer.once("ready", draw);
    });
  }

  // Polling: only while the page is visible, a list is on it, and nothing in it is being written.

  function busy(list) {
    if (list.classList.contains("htmx-request") || list.querySelector("details[open]")) return true;
    const focused = document.activeElement;
    return Boolean(focused && list.contains(focused) && focused.matches("textarea, input, select"));
  }

  function poll() {
    const list = document.querySelector("[data-comments-list]");
    if (!list) {
      clearInterval(poller); // another page: nothing to follow until a song page comes back
      poller = null;
      return;
    }
    if (document.visibilityState === "visible" && !busy(list) && window.htmx) {
      window.htmx.trigger(list, "studio:comments-poll");
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (poller && document.visibilityState === "visible") poll(); // caught up as it is seen
  });

  // Following the player: the playhead in the form's label, and where each take was heard.

  function heard() {
    const id = currentId();
    const player = studioPlayer();
    if (id && player) lastHeard.set(id, player.audio.currentTime || 0);
    refreshForms();
  }

  function bindPlayer() {
    const player = studioPlayer();
    if (!player || !player.audio || boundAudio === player.audio) return;
    boundAudio = player.audio;
    ["timeupdate", "seeked", "loadedmetadata"].forEach((name) => boundAudio.addEventListener(name, heard));
  }

  document.addEventListener("studio:trackchange", () => {
    bindPlayer();
    refreshForms();
  });

  // Start: the whole section (a page), the list (a poll, a delete), a thread or a form.

  function start(root) {
    if (!root || !root.querySelector) return;
    bindPlayer();
    if (!document.querySelector("[data-comments-list]")) return;
    refreshForms();
    drawMarkers();
    if (!poller) poller = setInterval(poll, POLL_MS);
  }

  window.studioComments = { drawMarkers: drawMarkers };
  document.addEventListener("htmx:load", (event) => start(event.detail.elt));
  if (document.readyState !== "loading") start(document.body);
  else document.addEventListener("DOMContentLoaded", () => start(document.body));
})();
