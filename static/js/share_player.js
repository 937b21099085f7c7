/*
 * A share link's page: each take's lyrics follow its native <audio> player (lyrics_follow.js
 * marks the sung line), and starting one take pauses the others. Without it the page still plays.
 *
 *   [data-share-take] audio, [data-lyrics] .lyric-line[data-start][data-end]
 */
(function () {
  "use strict";

  const players = Array.from(document.querySelectorAll("[data-share-take] audio"));
  players.forEach((audio) => {
    const box = audio.closest("[data-share-take]").querySelector("[data-lyrics]");
    const lines = box ? box.querySelectorAll(".lyric-line[data-start]") : [];
    if (box && lines.length) {
      const follow = () => window.StudioLyrics.follow(box, audio.currentTime);
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
