/*
 * Library players. Each [data-player] holds an <audio> (native controls until this script runs),
 * a play button, a waveform <canvas data-peaks="0..100,..."> and a time readout. The clip's
 * lyrics lines carry data-start/data-end (seconds); the line being sung gets class "current"
 * and aria-current="true". Only one clip plays at a time.
 * Keys on a focused player: Space plays/pauses, ArrowLeft/ArrowRight seek 5 seconds.
 */
(function () {
  "use strict";
  if (window.studioPlayers) return; // htmx re-runs scripts it restores from history

  const SEEK_STEP = 5;
  const BAR = 3; // px per waveform bar: 2 drawn, 1 gap
  const ready = new WeakSet();
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  function clock(seconds, round) {
    const s = Math.max(0, (round ? Math.round : Math.floor)(seconds || 0));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function pauseOthers(audio) {
    document.querySelectorAll("audio").forEach(function (other) {
      if (other !== audio && !other.paused) other.pause();
    });
  }

  function setup(player) {
    if (ready.has(player)) return;
    ready.add(player);

    const clip = player.closest("[data-clip]") || player;
    const audio = player.querySelector("[data-audio]");
    const button = player.querySelector("[data-play]");
    const canvas = player.querySelector("[data-wave]");
    const time = player.querySelector("[data-time]");
    const lyrics = clip.querySelector("[data-lyrics]");
    const lines = lyrics ? Array.from(lyrics.querySelectorAll("[data-start]")) : [];
    const starts = lines.map((line) => Number(line.dataset.start));
    const ends = lines.map((line) => Number(line.dataset.end));
    const peaks = (canvas.dataset.peaks || "").split(",").filter(Boolean).map(Number);
    const playLabel = "Play " + (clip.dataset.slot || "");
    const style = getComputedStyle(canvas);
    const colors = {
      played: style.getPropertyValue("--wave-played").trim() || "#5b3df5",
      rest: style.getPropertyValue("--wave-rest").trim() || "#c9c4ba",
    };
    let bars = [];
    let current = -1;

    // From here on our controls replace the browser's (a history snapshot may hold old state).
    audio.controls = false;
    player.querySelector("[data-player-ui]").hidden = false;
    button.textContent = playLabel;
    lines.forEach(function (line) {
      line.classList.remove("current");
      line.removeAttribute("aria-current");
    });

    function duration() {
      return isFinite(audio.duration) && audio.duration > 0
        ? audio.duration
        : Number(player.dataset.duration) || 0;
    }

    function measure(width) {
      // The loudest peak in each bar's slice of the 800 stored ones.
      const count = Math.max(1, Math.floor(width / BAR));
      bars = [];
      for (let i = 0; i < count; i++) {
        const from = Math.floor((i * peaks.length) / count);
        const to = Math.max(from + 1, Math.floor(((i + 1) * peaks.length) / count));
        let peak = 0;
        for (let j = from; j < to && j < peaks.length; j++) peak = Math.max(peak, peaks[j] / 100);
        bars.push(peak);
      }
    }

    function draw() {
      const ratio = window.devicePixelRatio || 1;
      const width = canvas.clientWidth;
      const height = canvas.clientHeight;
      if (!width || !height) return;
      if (canvas.width !== Math.round(width * ratio) || bars.length === 0) {
        canvas.width = Math.round(width * ratio);
        canvas.height = Math.round(height * ratio);
        measure(width);
      }
      const ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, width, height);
      const played = duration() ? audio.currentTime / duration() : 0;
      bars.forEach(function (peak, i) {
        const h = Math.max(2, peak * (height - 4));
        ctx.fillStyle = (i + 0.5) / bars.length <= played ? colors.played : colors.rest;
        ctx.fillRect(i * BAR, (height - h) / 2, BAR - 1, h);
      });
      if (played > 0) {
        ctx.fillStyle = colors.played;
        ctx.fillRect(Math.min(played * width, width - 1), 0, 1, height);
      }
    }

    function lineAt(t) {
      // The last line that has started; kept through the gap before the next one.
      let index = -1;
      for (let i = 0; i < starts.length && starts[i] <= t; i++) index = i;
      if (index === starts.length - 1 && index >= 0 && t >= ends[index]) return -1;
      return index;
    }

    function showLine(index) {
      if (index === current) return;
      if (current >= 0) {
        lines[current].classList.remove("current");
        lines[current].removeAttribute("aria-current");
      }
      current = index;
      if (index < 0) return;
      const line = lines[index];
      line.classList.add("current");
      line.setAttribute("aria-current", "true");
      // Scroll the lyrics box only, never the page.
      const top = line.offsetTop - (lyrics.clientHeight - line.offsetHeight) / 2;
      lyrics.scrollTo({ top: Math.max(0, top), behavior: reducedMotion.matches ? "auto" : "smooth" });
    }

    function update() {
      draw();
      showLine(lineAt(audio.currentTime));
      time.textContent = clock(audio.currentTime) + " / " + clock(duration(), true);
    }

    function tick() {
      update();
      if (!audio.paused) requestAnimationFrame(tick);
    }

    function play() {
      const started = audio.play();
      if (started) started.catch(function () {}); // refused autoplay: the button still says Play
    }

    function toggle() {
      if (audio.paused) play();
      else audio.pause();
    }

    function seek(seconds, andPlay) {
      const go = function () {
        const end = duration();
        audio.currentTime = Math.max(0, end ? Math.min(seconds, end - 0.05) : seconds);
        update();
        if (andPlay) play();
      };
      if (audio.readyState >= 1) {
        go();
      } else {
        audio.addEventListener("loadedmetadata", go, { once: true });
        if (audio.networkState !== HTMLMediaElement.NETWORK_LOADING) audio.load();
      }
    }

    button.addEventListener("click", toggle);
    audio.addEventListener("play", function () {
      pauseOthers(audio);
      button.textContent = "Pause";
      clip.classList.add("playing");
      requestAnimationFrame(tick);
    });
    audio.addEventListener("pause", function () {
      button.textContent = playLabel;
      clip.classList.remove("playing");
      update();
    });
    ["loadedmetadata", "seeked", "timeupdate"].forEach(function (name) {
      audio.addEventListener(name, function () {
        if (audio.paused) update();
      });
    });

    canvas.addEventListener("click", function (event) {
      const rect = canvas.getBoundingClientRect();
      seek(((event.clientX - rect.left) / rect.width) * duration(), false);
    });
    lines.forEach(function (line, i) {
      line.addEventListener("click", function () {
        seek(starts[i], true);
      });
    });

    player.addEventListener("keydown", function (event) {
      if (event.target.closest("input, textarea, select")) return;
      if (event.key === " " || event.key === "Spacebar") {
        if (event.target.closest("button")) return; // the button's own click toggles
        event.preventDefault();
        toggle();
      } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        event.preventDefault();
        const step = event.key === "ArrowLeft" ? -SEEK_STEP : SEEK_STEP;
        seek(audio.currentTime + step, false);
      }
    });

    if (window.ResizeObserver) new ResizeObserver(draw).observe(canvas);
    update();
  }

  function init(root) {
    if (root.matches && root.matches("[data-player]")) setup(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-player]").forEach(setup);
  }

  window.studioPlayers = { init: init };
  init(document);
  // htmx swaps in new pages of results, and restores old ones from its history cache.
  document.addEventListener("htmx:load", function (event) {
    init(event.detail.elt);
  });
  document.addEventListener("htmx:historyRestore", function () {
    window.studioPlayers = { init: init };
    init(document);
  });
  document.addEventListener("htmx:beforeHistorySave", function () {
    document.querySelectorAll("audio").forEach(function (audio) {
      audio.pause();
    });
  });
})();
