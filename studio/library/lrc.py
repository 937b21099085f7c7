"""Lyrics as lines with their timing, and as an LRC file.

A clip's lyrics_timing holds one [start, end] pair (seconds) per sung line: a line that is neither
blank nor a section tag such as ``[Chorus]``. The i-th sung line gets the i-th pair.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

TAG_LINE = re.compile(r"^\[[^\]]*\]$")


@dataclass(frozen=True)
class LyricLine:
    kind: Literal["sung", "tag", "blank"]
    text: str
    start: float | None = None
    end: float | None = None

    @property
    def timed(self) -> bool:
        return self.start is not None


def lyric_lines(lyrics: str, timing: list | None) -> list[LyricLine]:
    """Every line of the lyrics, sung ones carrying their [start, end] when known."""
    pairs = list(timing or [])
    lines: list[LyricLine] = []
    sung = 0
    for raw in lyrics.splitlines():
        text = raw.strip()
        if not text:
            lines.append(LyricLine("blank", ""))
        elif TAG_LINE.match(text):
            lines.append(LyricLine("tag", text[1:-1].strip()))
        else:
            pair = pairs[sung] if sung < len(pairs) else None
            sung += 1
            if pair is None or len(pair) < 2:
                lines.append(LyricLine("sung", text))
            else:
                lines.append(LyricLine("sung", text, float(pair[0]), float(pair[1])))
    # Leading and trailing blank lines mean nothing on screen.
    while lines and lines[0].kind == "blank":
        lines.pop(0)
    while lines and lines[-1].kind == "blank":
        lines.pop()
    return lines


def timestamp(seconds: float) -> str:
    """LRC time, ``mm:ss.xx`` (minutes keep growing past 99)."""
    centis = max(round(seconds * 100), 0)
    minutes, centis = divmod(centis, 6000)
    return f"{minutes:02d}:{centis // 100:02d}.{centis % 100:02d}"


def has_timed_lines(lyrics: str, timing: list | None) -> bool:
    return any(line.timed for line in lyric_lines(lyrics, timing))


def build_lrc(title: str, lyrics: str, timing: list | None, comment: str = "") -> str:
    """``[ti:Title]`` (and a ``[#:comment]``) then one ``[mm:ss.xx]line`` per timed sung line;
    tags and blanks vanish."""
    header = " ".join(title.split())
    rows = [f"[ti:{header}]"]
    if comment:
        # One line, and no "]" that would end the tag early.
        rows.append(f"[#:{' '.join(comment.split()).replace(']', ')')}]")
    rows += [
        f"[{timestamp(line.start)}]{line.text}"
        for line in lyric_lines(lyrics, timing)
        if line.start is not None
    ]
    return "\n".join(rows) + "\n"
