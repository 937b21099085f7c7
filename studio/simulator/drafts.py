"""``POST /music/lyrics``: a free lyrics draft that follows the requested structure.

The rules, deterministic (the same prompt and structure always give the same draft):

* Sections: the ``[Tag]``s of ``structure`` in order, as written (one per line or on one line);
  without tags, the section names it mentions in order ("Verse 1 / Chorus / Bridge": verse,
  pre-chorus, chorus, post-chorus, bridge, intro, outro, hook, refrain, interlude, breakdown, with
  an optional number); with neither (or no structure): Verse, Chorus, Verse, Chorus, Bridge,
  Chorus.
* Lines: a chorus (chorus, hook, refrain) has 4, starting with the title, and every chorus of the
  same name repeats the first; intro and outro have 2; other sections 2 to 4. Every section has
  a line naming one of the prompt's theme words (its first, after the title in a chorus): words
  of four or more letters that do not describe the music, else its words of three or more.
* 422 ``no_lyrics`` when there is nothing to write about: the prompt has no word of three or more
  letters (``"123 !!"``), or it is moderated (contains ``forbidden``, the simulator's rule).
* Free: no credits are spent; ``email`` picks the account as for ``/files/generate``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from studio.simulator.api import parse_body, text_param
from studio.simulator.audio import prompt_bpm
from studio.simulator.lyrics import CHORUS_LINES, VERSE_LINES, fill_line, theme_words, title_for
from studio.simulator.models import FORBIDDEN
from studio.simulator.seeds import seed_from
from studio.simulator.state import SimulatorState
from studio.simulator.wsgi import Request, Response, json_response

PROMPT_MAX = 2_000
STRUCTURE_MAX = 2_000
DEFAULT_SECTIONS = ("Verse", "Chorus", "Verse", "Chorus", "Bridge", "Chorus")
NO_LYRICS = "The agent produced no lyrics for this prompt"
AGENT_TEXT = "I need something to write about: tell me what the song is about."

_TAG = re.compile(r"\[([^\[\]\n]{1,60})\]")
_SECTION = re.compile(
    r"\b(pre[- ]?chorus|post[- ]?chorus|verse|chorus|bridge|intro|outro|hook|refrain|interlude"
    r"|breakdown)(?:[ ]?(\d{1,2}))?\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]{3,}")  # three or more letters, any script
# fmt: off
_THEME_LINES = [
    "{Theme} is all I think about", "I keep coming back to {theme}", "Tell me about {theme} again",
    "All this {theme} in my hands", "Singing of {theme} tonight", "We were made of {theme}",
    "Every road leads back to {theme}", "Hold on to {theme} a little longer",
]
_STYLES = {
    "acoustic", "ambient", "blues", "cinematic", "classical", "country", "dance", "disco",
    "electronic", "folk", "funk", "gospel", "guitar", "hiphop", "house", "indie", "jazz", "lofi",
    "metal", "orchestral", "piano", "pop", "punk", "rock", "soul", "synth", "synthwave", "techno",
    "trap",
}
_DEFAULT_STYLES = [
    "Warm indie pop, acoustic guitar", "Dreamy synth pop, soft pads", "Soulful R&B, electric piano",
    "Indie folk, fingerpicked guitar",
]
_MOODS = ["intimate", "soaring", "breathy", "warm", "gritty"]
_STOP = {"and", "the", "for", "with", "but", "you", "our", "are", "was", "not", "all", "song"}
# fmt: on


@dataclass(frozen=True)
class Draft:
    title: str
    lyrics: str
    sound_prompt: str


def write_lyrics(state: SimulatorState, req: Request) -> Response:
    data = parse_body(req)
    prompt = text_param(data, "prompt", PROMPT_MAX, required=True) or ""
    structure = text_param(data, "structure", STRUCTURE_MAX)
    acct = state.usable_account(text_param(data, "email", 320))
    draft = write_draft(prompt, structure)
    if draft is None:
        error = {"code": "no_lyrics", "message": NO_LYRICS}
        return json_response(422, {"email": acct.email, "error": error, "agent_text": AGENT_TEXT})
    return json_response(
        200,
        {
            "email": acct.email,
            "title": draft.title,
            "lyrics": draft.lyrics,
            "sound_prompt": draft.sound_prompt,
            "source": "lyrics-create",
            "audio_create_song_fired": False,
            "credits_burned": 0,
        },
    )


def sections(structure: str | None) -> list[str]:
    """The section names a structure asks for, in order (see the module docstring)."""
    tags = [tag.strip() for tag in _TAG.findall(structure or "") if tag.strip()]
    if tags:
        return tags
    named = []
    for match in _SECTION.finditer(structure or ""):
        word = match.group(1).lower().replace(" ", "-")
        word = {"prechorus": "pre-chorus", "postchorus": "post-chorus"}.get(word, word)
        name = "-".join(part.capitalize() for part in word.split("-"))
        named.append(f"{name} {match.group(2)}" if match.group(2) else name)
    return named or list(DEFAULT_SECTIONS)


def write_draft(prompt: str, structure: str | None) -> Draft | None:
    """Tagged lyrics following ``structure``; None when there is nothing to write about."""
    words = _WORD.findall(prompt)
    if not words or FORBIDDEN.search(prompt):
        return None
    seed = seed_from(f"draft\n{prompt}\n{structure or ''}")
    rng = random.Random(seed)
    short = [w.lower() for w in words if w.lower() not in _STOP] or [w.lower() for w in words]
    theme = theme_words(prompt) or list(dict.fromkeys(short))  # "sun and sea": short words
    title = title_for(prompt, seed)
    blocks: list[str] = []
    choruses: dict[str, list[str]] = {}
    for name in sections(structure):
        kind = _kind(name)
        lines = choruses.get(name.lower()) or _section_lines(rng, kind, theme, title)
        if kind == "chorus":
            choruses[name.lower()] = lines
        blocks.append("\n".join([f"[{name}]", *lines]))
    return Draft(title, "\n\n".join(blocks), _sound_prompt(rng, prompt))


def _kind(name: str) -> str:
    lower = name.lower()
    if re.match(r"(chorus|hook|refrain)\b", lower) or lower.startswith("post"):
        return "chorus"
    return "short" if lower.startswith(("intro", "outro")) else "verse"


def _section_lines(rng: random.Random, kind: str, theme: list[str], title: str) -> list[str]:
    word = rng.choice(theme)
    first = rng.choice(_THEME_LINES).format(theme=word, Theme=word.capitalize())
    first = first[0].upper() + first[1:]
    if kind == "chorus":
        return [title, first, *(fill_line(rng, rng.choice(CHORUS_LINES), theme) for _ in "ab")]
    count = 2 if kind == "short" else rng.randint(2, 4)
    return [first, *(fill_line(rng, rng.choice(VERSE_LINES), theme) for _ in range(count - 1))]


def _sound_prompt(rng: random.Random, prompt: str) -> str:
    """A style prompt for a song of these lyrics: the prompt's own genres, a tempo, a voice."""
    lower = prompt.lower()
    styles = list(dict.fromkeys(w for w in re.findall(r"[a-z]+", lower) if w in _STYLES))
    style = ", ".join(styles).capitalize() if styles else rng.choice(_DEFAULT_STYLES)
    bpm = prompt_bpm(prompt) or rng.randint(72, 140)
    if re.search(r"\b(female|woman|women|girl)\b", lower):
        voice = "female"
    elif re.search(r"\b(male|man|men|boy)\b", lower):
        voice = "male"
    else:
        voice = rng.choice(["female", "male"])
    return f"{style}, {bpm} BPM, {rng.choice(_MOODS)} {voice} vocal"
