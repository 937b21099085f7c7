"""Made-up but realistic song text for seeded libraries: prompts, titles, lyrics and timing."""

from __future__ import annotations

import random

# The word the benchmarks search for: in roughly one prompt in twelve.
SEARCH_WORD = "harmonica"
USERNAME = "seed-{}"  # the seeded users: seed-1, seed-2, …

GENRES = [
    "synth pop", "indie folk", "lo-fi hip hop", "dream pop", "post-rock", "city pop", "afrobeat",
    "bossa nova", "drum and bass", "shoegaze", "country", "soul", "disco", "ambient", "trip hop",
    "garage rock", "chillwave", "jazz fusion", "reggae", "baroque pop",
]  # fmt: skip
MOODS = [
    "dreamy", "melancholic", "upbeat", "dark", "warm", "nostalgic", "euphoric", "lonely",
    "playful", "hypnotic", "bittersweet", "sunny", "moody", "tender", "restless",
]  # fmt: skip
INSTRUMENTS = [
    "analog synths", "fingerpicked guitar", "upright bass", "Rhodes piano", "string section",
    "808 drums", "brushed snare", "trumpet", "cello", "vibraphone", "pedal steel", "choir pads",
    SEARCH_WORD, "tape-saturated drums", "glockenspiel", "fretless bass", "flute", "organ",
]  # fmt: skip
THEMES = [
    "the sea at night", "leaving a small town", "a train that never stops", "first snow",
    "an old photograph", "summer rain", "neon streets", "a lighthouse keeper", "the last bus home",
    "letters never sent", "a garden in winter", "running from the city", "midnight radio",
]  # fmt: skip
DETAILS = [
    "Keep the intro short and let the chorus open up wide.",
    "Female vocals, close-miked and breathy, with a doubled chorus.",
    "Male baritone vocals, half-spoken verses.",
    "Build slowly, drop everything but the bass before the last chorus.",
    "Lots of space and reverb, like it was recorded in an empty hall.",
    "Sidechained pads, crisp hi-hats, a long fade out.",
    "Imagine the soundtrack to an indie film's final scene.",
]
NOUNS = [
    "river", "light", "heart", "road", "window", "fire", "shadow", "ocean", "city", "star",
    "morning", "echo", "storm", "garden", "mirror", "wire", "harbor", "silence", "engine", "moon",
]  # fmt: skip
ADJECTIVES = [
    "golden", "silver", "broken", "quiet", "endless", "hollow", "electric", "paper", "velvet",
    "burning", "distant", "tender", "restless", "frozen", "wild",
]  # fmt: skip
VERBS = ["run", "fall", "shine", "drift", "wait", "dance", "break", "burn", "call", "hold"]
PLACES = [
    "through the night", "down by the water", "under the streetlights", "across the tracks",
    "in the morning haze", "on the edge of town", "where the rivers meet", "in the quiet dark",
]  # fmt: skip
LINES = [
    "We {verb} {place}",
    "Your {adj} {noun} is all I know",
    "Every {noun} leads me back to you",
    "I keep a {adj} {noun} in my pocket",
    "Tell me why the {noun}s {verb}",
    "{Adj} {noun}, {adj} {noun2}",
    "Hold the {noun} until it's {adj}",
    "Nobody told me how the {noun} would {verb}",
    "Meet me {place}",
    "The {noun} and the {noun2} and the {adj} sky",
    "I was {adj} and you were the {noun}",
    "Let it {verb}, let it {verb}",
]  # fmt: skip


def _line(rng: random.Random) -> str:
    adj, verb = rng.choice(ADJECTIVES), rng.choice(VERBS)
    text = rng.choice(LINES).format(
        adj=adj,
        Adj=adj.capitalize(),
        noun=rng.choice(NOUNS),
        noun2=rng.choice(NOUNS),
        verb=verb,
        place=rng.choice(PLACES),
    )
    return text[0].upper() + text[1:]


def title(rng: random.Random) -> str:
    words = rng.choice(
        [
            [rng.choice(ADJECTIVES), rng.choice(NOUNS)],
            ["the", rng.choice(NOUNS)],
            [rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.choice(NOUNS)],
        ]
    )
    return " ".join(w.capitalize() for w in words)


def prompt(rng: random.Random) -> str:
    """From a few words to a long paragraph, as people actually write them."""
    genre, mood = rng.choice(GENRES), rng.choice(MOODS)
    instruments = ", ".join(rng.sample(INSTRUMENTS, rng.randint(1, 3)))
    parts = [f"{mood} {genre}"]
    if rng.random() < 0.8:
        parts.append(f"with {instruments}")
    if rng.random() < 0.6:
        parts.append(f"about {rng.choice(THEMES)}")
    if rng.random() < 0.5:
        parts.append(f"{rng.randint(68, 160)} bpm")
    text = ", ".join(parts)
    if rng.random() < 0.3:
        text += ". " + " ".join(rng.sample(DETAILS, rng.randint(1, 4)))
    return text


def lyrics(rng: random.Random) -> str:
    """12-30 sung lines in tagged sections: verses, a repeated chorus, sometimes a bridge."""
    target = rng.randint(12, 30)
    chorus = [_line(rng) for _ in range(4)]
    sections: list[str] = []
    sung = 0
    verse = 0
    while sung < target:
        if verse < 2 or rng.random() < 0.5 or sung + 4 > target:
            verse += 1
            count = min(rng.randint(4, 6), target - sung)
            sections.append("\n".join([f"[Verse {verse}]", *(_line(rng) for _ in range(count))]))
        elif rng.random() < 0.3:
            count = min(rng.randint(2, 4), target - sung)
            sections.append("\n".join(["[Bridge]", *(_line(rng) for _ in range(count))]))
        else:
            count = len(chorus)
            sections.append("\n".join(["[Chorus]", *chorus]))
        sung += count
    return "\n\n".join(sections)


def timing(text: str, duration: float, rng: random.Random) -> list[list[float]]:
    """One [start, end] per sung line, spread over the song after an intro."""
    count = sum(1 for line in text.splitlines() if line.strip() and not line.startswith("["))
    start = rng.uniform(4, 15)
    step = (duration * 0.9 - start) / max(count, 1)
    pairs = []
    for i in range(count):
        begin = start + i * step
        pairs.append([round(begin, 2), round(begin + step * rng.uniform(0.7, 0.95), 2)])
    return pairs
