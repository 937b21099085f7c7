/*
 * A share link's page: each take's lyrics follow its native <audio> player (the sung line is
 * .current), and starting one take pauses the others. Without it the page still plays.
 *
 *   [data-share-take] audio, [data-lyrics] .lyric-line[data-start][data-end]
 */
(function () {
  "use strict";

  // The last line that has started, kept through the gap before the next one.
  function lineAt(lines, seconds) {
    let index = -1;
    for (let i = 0; i < lines.length && Number(lines[i].dataset.start) <= seconds; i++) index = i;
    if (index === lines.length - 1 && index >= 0 && seconds >= Number(lines[index].dataset.end)) {
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
      box.scrollTop = Math.max(0, line.offsetTop - (box.clientHeight - line.offsetHeight) / 2);
    }
  }

  const players = Array.from(document.querySelectorAll("[data-share-take] audio"));
  players.forEach((audio) => {
    const box = audio.closest("[data-share-take]").querySelector("[data-lyrics]");
    const lines = box ? box.querySelectorAll(".lyric-line[data-start]") : [];
    if (box && lines.length) {
      const follow = () => {
        const index = lineAt(lines, audio.currentTime);
        show(box, index >= 0 ? lines[index] : null);
      };
      audio.addEventListener("timeupdate", follow);
      audio.addEventListener("seeked", follow);
    }
    audio.addEventListener("play", () => {
      players.forEach((other) => {
        if (other !== audio) other.pause();
      });
    });
  });
})();
