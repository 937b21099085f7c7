/*
 * Takes: waveforms drawn from stored peaks, synced lyrics and A/B compare on the song page, and
 * keyboard movement through the library's rows. Whatever plays goes through window.StudioPlayer
 * (player.js, one <audio> for every page); without it this draws and does nothing else, and the
 * take's own Play button (player.js) is untouched.
 *
 * Markup (templates/library/song.html, partials/clip_player.html, partials/generation.html):
 *   [data-take][data-clip]          a take; its [data-player="play"][data-track] holds its track
 *   [data-waveform][data-clip]      data-peaks "0..100,...", data-duration seconds: drawn by
 *                                   wavesurfer.js, never from the audio; a click plays or seeks
 *   [data-time]                     the playhead, m:ss, while this take is the current track
 *   [data-lyrics] .lyric-line[data-start][data-end]   a click seeks; the sung line is .current
 *   [data-compare]                  [data-compare-take][data-clip][data-track] buttons (A, B),
 *                                   [data-compare-match] checkbox; N (studio:nexttake) switches
 *   [data-row]                      a library row: one Tab stop, ←/→ move inside it, ↑/↓ between rows
 * Pages are swapped by htmx (boost), so everything starts from htmx:load, for any fragment.
 */
(function () {
  "use strict";
  if (window.studioTakes) return;

  // px. wavesurfer writes it into the <style> of its shadow root, which the CSP allows by its
  // sha256 (studio/ops/security.py): another height, or another wavesurfer, needs a new hash.
  const WAVE_HEIGHT = 64;
  const waves = new Map(); // [data-waveform] element -> {surfer, clip, ready, shown}
  const started = new WeakSet();
  let boundAudio = null;
  let ticking = false;

  function studioPlayer() {
    const player = window.StudioPlayer;
    return player && typeof player.play === "function" ? player : null;
  }

  function currentId() {
    const player = studioPlayer();
    const track = player && player.current();
    return track ? String(track.id) : null;
  }

  function playhead() {
    const player = studioPlayer();
    return player && player.audio ? player.audio.currentTime || 0 : 0;
  }

  // Floor, as the player bar does: the readout never runs ahead of the music.
  function clock(seconds) {
    const whole = Math.max(0, Math.floor(seconds || 0));
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  }

  function parseTrack(element) {
    if (!element || !element.dataset.track) return null;
    try {
      return JSON.parse(element.dataset.track);
    } catch (error) {
      return null;
    }
  }

  function takeTrack(take) {
    return parseTrack(take && take.querySelector('[data-player="play"][data-track]'));
  }

  function takeOf(element) {
    return element.closest("[data-take]");
  }

  // Play `track` from `at` seconds; the current track is only moved, so its gain stays as chosen.
  function playAt(track, at) {
    const player = studioPlayer();
    if (!player || !track) return;
    if (currentId() === String(track.id)) {
      player.seek(at);
      if (player.audio.paused) player.toggle();
    } else {
      player.play(track, { at: at });
    }
  }

  // Waveforms

  function cssColor(element, name, fallback) {
    return getComputedStyle(element).getPropertyValue(name).trim() || fallback;
  }

  function drawWave(element) {
    if (waves.has(element) || !window.WaveSurfer) return;
    const peaks = (element.dataset.peaks || "")
      .split(",")
      .filter((value) => value !== "")
      .map((value) => Number(value) / 100);
    const duration = Number(element.dataset.duration) || 0;
    element.replaceChildren(); // a history snapshot keeps the old host, not its shadow root
    if (!peaks.length || duration <= 0) {
      element.classList.add("waveform-empty");
      return;
    }
    const wave = { surfer: null, clip: element.dataset.clip, ready: false, shown: -1 };
    wave.surfer = window.WaveSurfer.create({
      container: element,
      height: WAVE_HEIGHT,
      waveColor: cssColor(element, "--wave-rest", "#c9c4ba"),
      progressColor: cssColor(element, "--wave-played", "#5b3df5"),
      cursorColor: cssColor(element, "--wave-played", "#5b3df5"),
      cursorWidth: 1,
      barWidth: 2,
      barGap: 1,
      barRadius: 1,
      normalize: false,
      peaks: [peaks],
      duration: duration,
      // A detached element: wavesurfer must not fetch or decode the audio, StudioPlayer plays it.
      media: document.createElement("audio"),
      autoScroll: false,
      autoCenter: false,
      hideScrollbar: true,
    });
    wave.surfer.on("ready", () => {
      wave.ready = true;
      wave.shown = -1;
      sync();
    });
    wave.surfer.on("interaction", (seconds) => {
      const take = takeOf(element);
      playAt(takeTrack(take), Math.max(0, Math.min(seconds, duration - 0.05)));
    });
    waves.set(element, wave);
  }

  // Following the player

  function sync() {
    const id = currentId();
    const seconds = playhead();
    waves.forEach((wave, element) => {
      if (!element.isConnected) {
        wave.surfer.destroy();
        waves.delete(element);
        return;
      }
      const at = wave.clip === id ? seconds : 0;
      if (wave.ready && wave.shown !== at) {
        wave.surfer.setTime(at);
        wave.shown = at;
      }
    });
    document.querySelectorAll("[data-take]").forEach((take) => {
      const mine = take.dataset.clip === id;
      take.classList.toggle("current", mine);
      const time = take.querySelector("[data-time]");
      const text = clock(mine ? seconds : 0);
      if (time && time.textContent !== text) time.textContent = text;
      const box = take.querySelector("[data-lyrics]");
      if (box) window.StudioLyrics.follow(box, mine ? seconds : null);
    });
    document.querySelectorAll("[data-compare-take]").forEach((button) => {
      const pressed = String(button.dataset.clip === id);
      if (button.getAttribute("aria-pressed") !== pressed) button.setAttribute("aria-pressed", pressed);
    });
  }

  function tick() {
    const player = studioPlayer();
    sync();
    if (player && !player.audio.paused) {
      requestAnimationFrame(tick);
    } else {
      ticking = false;
    }
  }

  function follow() {
    if (!ticking) {
      ticking = true;
      requestAnimationFrame(tick);
    }
  }

  function bindPlayer() {
    const player = studioPlayer();
    if (!player || !player.audio || boundAudio === player.audio) return;
    boundAudio = player.audio;
    boundAudio.addEventListener("play", follow);
    ["pause", "seeked", "timeupdate", "loadedmetadata", "emptied"].forEach((name) => {
      boundAudio.addEventListener(name, sync);
    });
    if (!boundAudio.paused) follow();
  }

  document.addEventListener("studio:trackchange", () => {
    bindPlayer();
    sync();
  });

  // Compare

  // Play the take of `button`: at the same playhead when coming from the other take of the pair,
  // where it is when it is already the current one, from the start otherwise.
  function compareSwitch(compare, button) {
    const player = studioPlayer();
    const track = parseTrack(button);
    if (!player || !track) return;
    const match = compare.querySelector("[data-compare-match]");
    const matching = !match || match.checked;
    // Matching is the player's gain stage (track.gain); off, the take plays as it was made.
    if (matching && !player.normalise) player.normalise = true;
    const played = Object.assign({}, track, { gain: matching ? Number(track.gain) || 0 : 0 });
    const pair = Array.from(compare.querySelectorAll("[data-compare-take]"), (b) => b.dataset.clip);
    const id = currentId();
    if (id === String(track.id)) {
      player.play(played); // no seek: only the gain changes
    } else {
      player.play(played, { at: id !== null && pair.includes(id) ? playhead() : 0 });
    }
  }

  function nextTake() {
    const compare = document.querySelector("[data-compare]");
    if (!compare) return;
    const buttons = Array.from(compare.querySelectorAll("[data-compare-take]"));
    if (buttons.length < 2) return;
    const index = buttons.findIndex((button) => button.dataset.clip === currentId());
    compareSwitch(compare, buttons[(index + 1) % buttons.length]);
  }

  document.addEventListener("studio:nexttake", nextTake);

  document.addEventListener("change", (event) => {
    const match = event.target.closest("[data-compare-match]");
    const player = studioPlayer();
    if (!match || !player || player.audio.paused) return;
    // Hear the change at once: replay the take that is playing, at the same place.
    const compare = match.closest("[data-compare]");
    const button = compare.querySelector('[data-compare-take][aria-pressed="true"]');
    if (button) compareSwitch(compare, button);
  });

  // Clicks: lyric lines seek, compare buttons switch, a click elsewhere closes an open More menu.

  document.addEventListener("click", (event) => {
    const line = event.target.closest(".lyric-line[data-start]");
    if (line) {
      playAt(takeTrack(takeOf(line)), Number(line.dataset.start));
      return;
    }
    const compareButton = event.target.closest("[data-compare-take]");
    if (compareButton) {
      compareSwitch(compareButton.closest("[data-compare]"), compareButton);
      return;
    }
    document.querySelectorAll("details.more[open]").forEach((menu) => {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  // An open More menu stays on screen, clear of the player bar: it opens upwards when there
  // is more room above, and scrolls inside itself when neither side has room for all of it.

  function fitMenu(details) {
    const menu = details.querySelector(".more-menu");
    if (!menu) return;
    details.classList.remove("up");
    menu.style.maxHeight = menu.style.overflowY = "";
    if (!details.open) return;
    const root = getComputedStyle(document.documentElement);
    const bar = parseFloat(root.getPropertyValue("--player-space")) || 0;
    const summary = details.querySelector("summary").getBoundingClientRect();
    const below = window.innerHeight - bar - summary.bottom - 8;
    const above = summary.top - 8;
    const height = menu.scrollHeight;
    if (height <= below) return;
    const up = above > below;
    details.classList.toggle("up", up);
    if (height > (up ? above : below)) {
      // Scrolling clips the Add to project popup: only when the menu cannot fit otherwise.
      menu.style.maxHeight = Math.max(120, up ? above : below) + "px";
      menu.style.overflowY = "auto";
    }
  }

  document.addEventListener(
    "toggle",
    (event) => {
      if (event.target.matches && event.target.matches("details.more")) fitMenu(event.target);
    },
    true, // toggle does not bubble
  );

  // Library rows: a roving tabindex, so Tab goes from song to song.

  const ROW_CONTROLS = "a[href], button:not([disabled]), summary, input:not([type=hidden])";

  function rowControls(row) {
    return Array.from(row.querySelectorAll(ROW_CONTROLS)).filter((control) => {
      const menu = control.closest("details");
      const folded = menu && !menu.open && control.parentElement !== menu;
      return !folded && control.getClientRects().length > 0;
    });
  }

  const rowFocus = new WeakMap(); // row -> {control, index}: where Tab comes back to

  function activate(row, target) {
    // All of them, folded ones too: a menu that opens later brings no Tab stop of its own.
    row.querySelectorAll(ROW_CONTROLS).forEach((control) => {
      control.tabIndex = control === target ? 0 : -1;
    });
    rowFocus.set(row, { control: target, index: Math.max(0, rowControls(row).indexOf(target)) });
  }

  // After a swap inside the row (a pick) or a menu opening: still exactly one Tab stop.
  function refreshRow(row) {
    const controls = rowControls(row);
    if (!controls.length) return;
    const last = rowFocus.get(row);
    const focused = controls.find((control) => control === document.activeElement);
    const kept = last && controls.includes(last.control) ? last.control : null;
    const near = last ? controls[Math.min(last.index, controls.length - 1)] : null;
    activate(row, focused || kept || near || controls[0]);
  }

  function moveTo(control) {
    const row = control.closest("[data-row]");
    activate(row, control);
    control.focus();
  }

  function rowKeydown(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const row = event.currentTarget;
    const controls = rowControls(row);
    const index = controls.indexOf(event.target);
    if (index < 0) return;
    let target = null;
    if (event.key === "ArrowRight") target = controls[Math.min(index + 1, controls.length - 1)];
    else if (event.key === "ArrowLeft") target = controls[Math.max(index - 1, 0)];
    else if (event.key === "Home") target = controls[0];
    else if (event.key === "End") target = controls[controls.length - 1];
    else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const rows = Array.from(document.querySelectorAll("[data-row]"));
      const other = rows[rows.indexOf(row) + (event.key === "ArrowDown" ? 1 : -1)];
      if (other) {
        const theirs = rowControls(other);
        target = theirs[Math.min(index, theirs.length - 1)] || null;
      } else {
        target = event.target; // the first or last row: stay, and do not scroll the page
      }
    } else if (event.key === "Escape") {
      const menu = event.target.closest("details[open]");
      if (menu) {
        menu.open = false;
        target = menu.querySelector("summary");
      }
    }
    if (!target) return;
    // Ours, not the global shortcuts' (←/→ seek elsewhere on the page).
    event.preventDefault();
    event.stopPropagation();
    moveTo(target);
  }

  function startRow(row) {
    if (started.has(row)) {
      refreshRow(row);
      return;
    }
    started.add(row);
    row.addEventListener("keydown", rowKeydown);
    row.addEventListener("focusin", (event) => {
      if (rowControls(row).includes(event.target)) activate(row, event.target);
    });
    row.querySelectorAll("details").forEach((menu) => {
      menu.addEventListener("toggle", () => refreshRow(row));
    });
    refreshRow(row);
  }

  // Start

  function start(root) {
    if (!root || !root.querySelectorAll) return;
    bindPlayer();
    const within = (selector) => {
      const found = Array.from(root.querySelectorAll(selector));
      if (root.matches && root.matches(selector)) found.unshift(root);
      return found;
    };
    within("[data-waveform]").forEach(drawWave);
    within("[data-compare-take]").forEach((button) => button.setAttribute("aria-pressed", "false"));
    within(".lyric-line.current").forEach((line) => {
      line.classList.remove("current");
      line.removeAttribute("aria-current");
    });
    within("[data-row]").forEach(startRow);
    const row = root.closest && root.closest("[data-row]");
    if (row) startRow(row); // a pick button swapped inside a row
    sync();
  }

  // edits.js draws the chosen section (or point) of an edit on a take's waveform; comments.js
  // its comments' markers.
  function surfer(element) {
    const wave = waves.get(element);
    return wave ? wave.surfer : null;
  }

  // comments.js: "at 1:12" plays a take from there, as a lyric line does.
  // Also for comments.js: the player (null until it runs) and the id of the take it is on.
  window.studioTakes = {
    start: start,
    surfer: surfer,
    playAt: playAt,
    player: studioPlayer,
    currentId: currentId,
  };
  document.addEventListener("htmx:load", (event) => start(event.detail.elt));
  if (document.readyState !== "loading") start(document.body);
  else document.addEventListener("DOMContentLoaded", () => start(document.body));
})();
