/*
 * The stem mixer (templates/library/partials/stem_mixer.html): four stems decoded with the Web
 * Audio API and started at one AudioContext time, so they stay sample-accurately together; each
 * row has Mute, Solo and a level (a GainNode), one transport plays, pauses and seeks them all,
 * and a click on any row's waveform seeks. It pauses the player bar while it plays, and stops
 * when the player bar starts. window.studioMixers.state(root) is what tests read.
 *
 *   [data-mixer]  [data-mixer-play] [data-mixer-seek] [data-mixer-time] [data-mixer-status]
 *   .mixer-row[data-stem][data-src]  [data-stem-wave][data-peaks][data-duration]
 *                                    [data-mute] [data-solo] [data-level]
 */
(function () {
  "use strict";
  if (window.studioMixers) return;

  const WAVE_HEIGHT = 64; // the height the CSP's wavesurfer style hash allows (takes.js)
  const mixers = new Map(); // root element -> Mixer
  let context = null;

  function audioContext() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!context && Context) context = new Context();
    return context;
  }

  function clock(seconds) {
    const whole = Math.max(0, Math.floor(seconds || 0));
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  }

  class Mixer {
    constructor(root) {
      this.root = root;
      this.duration = Number(root.dataset.duration) || 0;
      this.rows = Array.from(root.querySelectorAll(".mixer-row")).map((element) => ({
        element: element,
        stem: element.dataset.stem,
        src: element.dataset.src,
        buffer: null,
        gain: null,
        source: null,
        startedAt: 0, // context time at which this row's offset 0 would have played
        level: 1,
        muted: false,
        solo: false,
        surfer: null,
      }));
      this.playing = false;
      this.offset = 0;
      this.loading = null;
      this.bind();
      this.rows.forEach((row) => this.drawWave(row));
    }

    bind() {
      const root = this.root;
      root.querySelector("[data-mixer-play]").addEventListener("click", () => this.toggle());
      const seek = root.querySelector("[data-mixer-seek]");
      seek.addEventListener("input", () => this.seek(Number(seek.value)));
      this.rows.forEach((row) => {
        row.element.querySelector("[data-mute]").addEventListener("click", (event) => {
          row.muted = !row.muted;
          event.currentTarget.setAttribute("aria-pressed", String(row.muted));
          this.applyGains();
        });
        row.element.querySelector("[data-solo]").addEventListener("click", (event) => {
          row.solo = !row.solo;
          event.currentTarget.setAttribute("aria-pressed", String(row.solo));
          this.applyGains();
        });
        row.element.querySelector("[data-level]").addEventListener("input", (event) => {
          row.level = Number(event.currentTarget.value);
          this.applyGains();
        });
      });
    }

    drawWave(row) {
      const element = row.element.querySelector("[data-stem-wave]");
      const peaks = (element.dataset.peaks || "").split(",").filter(Boolean).map((v) => Number(v) / 100);
      if (!window.WaveSurfer || !peaks.length || !this.duration) return;
      row.surfer = window.WaveSurfer.create({
        container: element,
        height: WAVE_HEIGHT,
        waveColor: getComputedStyle(element).getPropertyValue("--wave-rest").trim() || "#c9c4ba",
        progressColor: getComputedStyle(element).getPropertyValue("--wave-played").trim() || "#5b3df5",
        cursorWidth: 1,
        barWidth: 2,
        barGap: 1,
        barRadius: 1,
        normalize: false,
        autoScroll: false,
        autoCenter: false,
        hideScrollbar: true, // as takes.js: the shadow <style> must match the CSP hash
        peaks: [peaks],
        duration: Number(element.dataset.duration) || this.duration,
        media: document.createElement("audio"), // drawn from peaks; Web Audio plays
      });
      row.surfer.on("interaction", (seconds) => this.seek(seconds));
    }

    status(text) {
      this.root.querySelector("[data-mixer-status]").textContent = text;
    }

    // Fetch and decode the four stems once, on the first Play.
    load() {
      if (this.loading) return this.loading;
      const ctx = audioContext();
      this.status("Loading stems…");
      this.loading = Promise.all(
        this.rows.map((row) =>
          fetch(row.src, { credentials: "same-origin" })
            .then((response) => {
              if (!response.ok) throw new Error(row.stem + ": " + response.status);
              return response.arrayBuffer();
            })
            .then((data) => ctx.decodeAudioData(data))
            .then((buffer) => {
              row.buffer = buffer;
              row.gain = ctx.createGain();
              row.gain.connect(ctx.destination);
            })
        )
      ).then(() => {
        this.status("");
        this.applyGains();
      }, (error) => {
        this.loading = null;
        this.status("The stems could not be loaded (" + error.message + "); try again.");
        throw error;
      });
      return this.loading;
    }

    effectiveGain(row) {
      const soloing = this.rows.some((other) => other.solo);
      if (row.muted || (soloing && !row.solo)) return 0;
      return row.level;
    }

    applyGains() {
      this.rows.forEach((row) => {
        if (row.gain) row.gain.gain.value = this.effectiveGain(row);
      });
    }

    position() {
      if (!this.playing) return this.offset;
      return Math.min(this.duration, audioContext().currentTime - this.rows[0].startedAt);
    }

    start(offset) {
      const ctx = audioContext();
      const when = ctx.currentTime + 0.05; // one start time for all four
      this.rows.forEach((row) => {
        const source = ctx.createBufferSource();
        source.buffer = row.buffer;
        source.connect(row.gain);
        source.start(when, Math.min(offset, row.buffer.duration));
        row.source = source;
        row.startedAt = when - offset;
      });
      this.rows[0].source.onended = () => {
        if (this.playing && this.position() >= this.duration - 0.1) this.stop(0);
      };
      this.playing = true;
      this.render();
      this.tick();
    }

    halt() {
      this.rows.forEach((row) => {
        if (row.source) {
          row.source.onended = null;
          row.source.stop();
          row.source.disconnect();
          row.source = null;
        }
      });
    }

    stop(at) {
      this.halt();
      this.playing = false;
      this.offset = at;
      this.render();
    }

    toggle() {
      if (this.playing) {
        this.stop(this.position());
        return;
      }
      const player = window.StudioPlayer;
      if (player && player.audio && !player.audio.paused) player.toggle();
      mixers.forEach((other) => other !== this && other.playing && other.stop(other.position()));
      const ctx = audioContext();
      this.load().then(() => ctx.resume()).then(() => this.start(this.offset)).catch(() => {});
    }

    seek(seconds) {
      const at = Math.max(0, Math.min(seconds, this.duration));
      if (this.playing) {
        this.halt();
        this.start(at);
      } else {
        this.offset = at;
        this.render();
      }
    }

    render() {
      const at = this.position();
      const button = this.root.querySelector("[data-mixer-play]");
      button.setAttribute("aria-pressed", String(this.playing));
      this.root.querySelector("[data-mixer-label]").textContent = this.playing ? "Pause" : "Play";
      this.root.querySelector("[data-mixer-time]").textContent = clock(at);
      const seek = this.root.querySelector("[data-mixer-seek]");
      if (document.activeElement !== seek) seek.value = at.toFixed(2);
      this.rows.forEach((row) => row.surfer && row.surfer.setTime(at));
    }

    tick() {
      if (!this.playing || !this.root.isConnected) {
        if (!this.root.isConnected) this.stop(this.position());
        return;
      }
      this.render();
      window.requestAnimationFrame(() => this.tick());
    }

    state() {
      const ctx = audioContext();
      return {
        playing: this.playing,
        position: this.position(),
        rows: this.rows.map((row) => ({
          stem: row.stem,
          gain: row.gain ? row.gain.gain.value : null,
          loaded: !!row.buffer,
          position: this.playing && ctx ? ctx.currentTime - row.startedAt : this.offset,
        })),
      };
    }
  }

  function start(root) {
    if (!root || !root.querySelectorAll) return;
    const found = Array.from(root.querySelectorAll("[data-mixer]"));
    if (root.matches && root.matches("[data-mixer]")) found.push(root);
    found.forEach((element) => {
      if (!mixers.has(element)) mixers.set(element, new Mixer(element));
    });
    mixers.forEach((mixer, element) => {
      if (!element.isConnected) {
        if (mixer.playing) mixer.stop(0);
        mixers.delete(element);
      }
    });
  }

  // The player bar starting stops the mixer: one thing plays at a time.
  function watchPlayer() {
    const player = window.StudioPlayer;
    if (!player || !player.audio) return;
    player.audio.addEventListener("play", () => {
      mixers.forEach((mixer) => mixer.playing && mixer.stop(mixer.position()));
    });
  }

  window.studioMixers = {
    state: (element) => (mixers.get(element) ? mixers.get(element).state() : null),
    get: (element) => mixers.get(element) || null,
  };
  document.addEventListener("htmx:load", (event) => start(event.detail.elt));
  const ready = () => {
    watchPlayer();
    start(document.body);
  };
  if (document.readyState !== "loading") ready();
  else document.addEventListener("DOMContentLoaded", ready);
})();
