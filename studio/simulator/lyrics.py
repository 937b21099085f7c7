"""Words for the simulator: whether a prompt is sung, what gets sung, when, and the title.

Kept apart from the audio code so the text rules read (and test) on their own. Everything here is
deterministic for a given seed, like the rest of the simulator, so A/B clips are reproducible.
"""

from __future__ import annotations

import math
import random
import re

INSTRUMENTAL = "[Instrumental]"

# A cue counts unless it is negated ("no vocals", "without singing", "non-vocal").
_VOCAL_CUE = re.compile(
    r"\b(?:(no|without|non)[\s-]+)?"
    r"(vocal(?:s|ists?)?|sing(?:s|er|ers|ing)?|sung|voices?|rap(?:s|per|pers|ping)?"
    r"|lyrics?|choirs?|duets?)\b",
    re.IGNORECASE,
)
_TAG_LINE = re.compile(r"^\[[^\]]*\]$")

# Prompt words that describe the music rather than what a song is about.
# fmt: off
_NOT_A_THEME = {
    "about", "acoustic", "after", "also", "ambient", "ballad", "band", "bass", "beat", "beats",
    "blues", "catchy", "chill", "choir", "cinematic", "classical", "country", "dance", "deep",
    "disco", "drums", "duet", "electronic", "energetic", "fast", "female", "folk", "from", "funk",
    "guitar", "happy", "heavy", "hiphop", "house", "indie", "instrumental", "into", "jazz", "lofi",
    "lyric", "lyrical", "lyrics", "male", "melody", "mellow", "metal", "music", "orchestral",
    "piano", "rapper", "rock", "singer", "singing", "slow", "smooth", "song", "songs", "soul",
    "sound", "style", "synth", "techno", "tempo", "that", "their", "there", "these", "this",
    "track", "trap", "upbeat", "very", "vibe", "vocal", "vocals", "voice", "with", "without",
    "your",
}
_ADJECTIVES = [
    "golden", "electric", "silver", "midnight", "neon", "wild", "quiet", "broken", "endless",
    "velvet", "crimson", "restless", "hollow", "shining", "distant", "secret", "burning", "gentle",
    "faded", "summer",
]
_NOUNS = [
    "heart", "city", "ocean", "fire", "river", "sky", "dream", "light", "road", "night", "rain",
    "star", "shadow", "echo", "horizon", "signal", "garden", "mirror", "thunder", "morning",
]
_PLACES = [
    "in the dark", "on the highway", "under the stars", "by the water", "in the city lights",
    "across the sky", "on the dance floor", "in the morning rain",
]
_VERBS = ["run", "dance", "fall", "shine", "drift", "burn", "wait", "fly", "hold on", "break free"]
# fmt: on

VERSE_LINES = [
    "{Adj} {noun} {place}",
    "We {verb} like a {adj} {noun}",
    "I can feel the {noun} {place}",
    "Every {noun} is calling my name",
    "You and I {verb} through the {adj} {noun}",
    "Counting every {noun} till the {noun2} comes",
    "Tell me where the {adj} {noun}s go",
    "Chasing {adj} {noun}s {place}",
]
CHORUS_LINES = [
    "Oh, we {verb} {place}",
    "Never let the {noun} go",
    "We're {adj}, we're {adj} tonight",
    "{Verb} with me, {verb} with me",
]


def wants_vocals(prompt: str) -> bool:
    """True when the prompt asks for singing; a negated cue ("no vocals") does not count."""
    return any(not m.group(1) for m in _VOCAL_CUE.finditer(prompt))


def sung_lines(lyrics: str) -> list[tuple[str, bool]]:
    """Each sung line with whether a new section (tag or blank line) starts right before it."""
    lines: list[tuple[str, bool]] = []
    new_section = False
    for raw in lyrics.splitlines():
        line = raw.strip()
        if not line or _TAG_LINE.match(line):
            new_section = bool(lines)
            continue
        lines.append((line, new_section))
        new_section = False
    return lines


def keep_lines(lyrics: str | None, count: int) -> str:
    """The lyrics up to their ``count``-th sung line, tags included (what an extension keeps);
    ``[Instrumental]`` when no line is kept."""
    kept: list[str] = []
    sung = 0
    for raw in (lyrics or "").splitlines():
        line = raw.strip()
        if line and not _TAG_LINE.match(line):
            if sung == count:
                break
            sung += 1
        kept.append(raw)
    while kept and (not kept[-1].strip() or _TAG_LINE.match(kept[-1].strip())):
        kept.pop()  # a section whose lines were all cut
    return "\n".join(kept) if sung else INSTRUMENTAL


def pick_lines(lyrics: str | None, keep: set[int]) -> str:
    """The lyrics with only the sung lines numbered in ``keep`` (0-based), each section's tags
    kept before its first kept line; ``[Instrumental]`` when none is kept (what a trim keeps)."""
    kept: list[str] = []
    header: list[str] = []  # the current section's tags and blank lines
    header_out, after_sung, sung = False, False, 0
    for raw in (lyrics or "").splitlines():
        line = raw.strip()
        if not line or _TAG_LINE.match(line):
            if after_sung:  # a new section starts
                header, header_out = [], False
            header.append(raw)
            after_sung = False
            continue
        if sung in keep:
            if not header_out:
                kept.extend(h for h in header if kept or h.strip())
                header_out = True
            kept.append(raw)
        sung, after_sung = sung + 1, True
    return "\n".join(kept) if kept else INSTRUMENTAL


def theme_words(prompt: str) -> list[str]:
    words = re.findall(r"[a-z]{4,}", prompt.lower())
    return list(dict.fromkeys(w for w in words if w not in _NOT_A_THEME))


def fill_line(rng: random.Random, template: str, theme: list[str]) -> str:
    """One lyric line from a template of ``VERSE_LINES`` / ``CHORUS_LINES``."""

    def noun() -> str:
        # Reusing the prompt's own words makes the lyrics feel written for it.
        return rng.choice(theme) if theme and rng.random() < 0.4 else rng.choice(_NOUNS)

    adj, verb = rng.choice(_ADJECTIVES), rng.choice(_VERBS)
    text = template.format(
        adj=adj, Adj=adj.capitalize(), noun=noun(), noun2=noun(), place=rng.choice(_PLACES),
        verb=verb, Verb=verb.capitalize(),
    )  # fmt: skip
    return text[0].upper() + text[1:]


def generate_lyrics(prompt: str, seed: int, title: str) -> str:
    """Tagged lyrics for a vocal prompt without lyrics: a verse, then a chorus around the title."""
    rng = random.Random(f"lyrics:{seed}:{prompt}")
    theme = theme_words(prompt)
    verse = [fill_line(rng, t, theme) for t in rng.sample(VERSE_LINES, 4)]
    hook = fill_line(rng, rng.choice(CHORUS_LINES), theme)
    chorus = [title, hook, title, fill_line(rng, rng.choice(CHORUS_LINES), theme)]
    return "\n".join(["[Verse]", *verse, "", "[Chorus]", *chorus])


def title_for(prompt: str, seed: int) -> str:
    """A short Title Case song title (2-4 words), seeded so each clip of a pair has its own."""
    rng = random.Random(f"title:{seed}:{prompt}")
    theme = theme_words(prompt)
    nouns = [rng.choice(theme) if theme and rng.random() < 0.5 else rng.choice(_NOUNS)]
    nouns.append(rng.choice([n for n in _NOUNS if n != nouns[0]]))
    adj = rng.choice(_ADJECTIVES)
    words = rng.choice([[adj, nouns[0]], ["the", adj, nouns[0]], [adj, nouns[0], nouns[1]]])
    return " ".join(w.capitalize() for w in words)


def plan_timing(breaks: list[bool], bpm: int, duration_cs: int) -> tuple[list[list[float]], int]:
    """Place each sung line on the beat grid; returns [start, end] seconds and the song length.

    Works in centiseconds so the 2-decimal values stay strictly ordered. A song too short for its
    lines grows up to 30 s, then the lines share the time evenly; only an absurd number of lines
    (more than one per centisecond) pushes a song past 30 s.
    """
    n = len(breaks)
    if not n:
        return [], duration_cs
    beat = 6000 / bpm
    bar = 4 * beat
    edge = bar if bar <= 300 else 2 * beat  # instrumental intro and outro
    gap = edge  # between sections
    slot = (8 if bar < 150 else 4) * beat  # a bar per line, two when fast
    n_gaps = sum(breaks[1:])
    need = 2 * edge + n * slot + n_gaps * gap
    if need > duration_cs:
        duration_cs = max(duration_cs, min(3000, math.ceil(need)))
    if need > duration_cs:
        gap = 0
        slot = (duration_cs - 2 * edge) / n
        if slot >= beat:
            slot = math.floor(slot / beat) * beat
        elif slot < 10:
            edge, slot = 0, duration_cs / n
            if slot < 1:
                duration_cs, slot = n, 1
    else:
        # Spread few lines over a long song, in whole beats and at most twice the usual length.
        room = (duration_cs - 2 * edge - n_gaps * gap) / n
        slot = max(slot, min(2 * slot, math.floor(room / beat) * beat))
    breath = min(beat / 2, slot / 4) if slot >= 8 else 0
    timing: list[list[float]] = []
    t, prev_end = edge, 0
    for i, new_section in enumerate(breaks):
        if new_section and i:
            t += gap
        start = max(prev_end, math.floor(t))
        end = max(start + 1, math.floor(t + slot - breath))
        timing.append([start / 100, end / 100])
        prev_end, t = end, t + slot
    return timing, duration_cs
