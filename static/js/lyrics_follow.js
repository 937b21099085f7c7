/*
 * The sung line of a lyrics box follows a playhead: the song page (takes.js) and a share
 * link's page (share_player.js) both call StudioLyrics.follow(box, seconds).
 *
 *   [data-lyrics] .lyric-line[data-start][data-end]   the line sung now gets .current
 */
(function () {
  "use strict";

  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  // The last line that has started, kept through the gap before the next one.
  function lineAt(lines, seconds) {
    let index = -1;
    for (let i = 0; i < lines.length && Number(lines[i].dataset.start) <= seconds; i++) index = i;
    if (index >= 0 && index === lines.length - 1 && seconds >= Number(lines[index].dataset.end)) {
      return -1;
    }
    return index;
  }

  function show(box, line) {
    const old = box.querySelector(".lyric-line.current");
    if (old === line) return;
    if (old) {
      old.classList.remove("current");
      old.removeAttribute("aria-current");
    }
    if (!line) return;
    line.classList.add("current");
    line.setAttribute("aria-current", "true");
    if (box.scrollHeight > box.clientHeight) {
      // Inside its own box only: scrollIntoView would move the page under the listener.
      const top = line.offsetTop - (box.clientHeight - line.offsetHeight) / 2;
      box.scrollTo({ top: Math.max(0, top), behavior: reducedMotion.matches ? "auto" : "smooth" });
    }
  }

  // `seconds` null: no line is sung (another take is playing).
  function follow(box, seconds) {
    const lines = box.querySelectorAll(".lyric-line[data-start]");
    const index = seconds === null ? -1 : lineAt(lines, seconds);
    show(box, index >= 0 ? lines[index] : null);
  }

  window.StudioLyrics = { follow };
})();
