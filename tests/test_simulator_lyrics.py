"""``POST /music/lyrics`` of the simulator over real HTTP: free drafts that follow a structure."""

from __future__ import annotations

import re

import httpx
import pytest

from studio.simulator.drafts import sections
from studio.simulator.lyrics import theme_words

PROMPT = "a nostalgic song about a long road trip home"
TAG = re.compile(r"^\[(.+)\]$")


def parsed(lyrics: str) -> list[tuple[str, list[str]]]:
    """The draft as (section name, its lines)."""
    result: list[tuple[str, list[str]]] = []
    for line in lyrics.splitlines():
        if match := TAG.match(line):
            result.append((match.group(1), []))
        elif line.strip():
            result[-1][1].append(line)
    return result


def test_default_structure_and_the_answer_shape(api):
    r = api.post("/music/lyrics", json={"prompt": PROMPT})
    assert r.status_code == 200, r.text
    draft = r.json()
    assert set(draft) == {
        "email", "title", "lyrics", "sound_prompt", "source", "audio_create_song_fired",
        "credits_burned",
    }  # fmt: skip
    assert draft["email"] == "alice@example.com" and draft["source"] == "lyrics-create"
    assert (draft["audio_create_song_fired"], draft["credits_burned"]) == (False, 0)
    assert draft["title"] and "vocal" in draft["sound_prompt"]
    layout = parsed(draft["lyrics"])
    assert [name for name, _ in layout] == [
        "Verse",
        "Chorus",
        "Verse",
        "Chorus",
        "Bridge",
        "Chorus",
    ]
    assert all(2 <= len(lines) <= 4 for _, lines in layout)
    choruses = [lines for name, lines in layout if name == "Chorus"]
    assert choruses[0] == choruses[1] == choruses[2] and choruses[0][0] == draft["title"]
    assert layout[0][1] != layout[2][1]  # two verses, two different texts


def test_it_is_free_and_deterministic(api):
    body = {"prompt": PROMPT, "structure": "[Verse]\n[Chorus]", "email": "bob@example.com"}
    first = api.post("/music/lyrics", json=body).json()
    assert first == api.post("/music/lyrics", json=body).json()
    assert first["email"] == "bob@example.com"
    assert api.get("/accounts/bob@example.com").json()["credits_remaining"] == 1000
    other = api.post("/music/lyrics", json={**body, "prompt": "a song about the ocean"}).json()
    assert other["lyrics"] != first["lyrics"]


@pytest.mark.parametrize(
    ("structure", "expected"),
    [
        (
            "[Intro]\n[Verse 1]\n[Pre-Chorus]\n[Chorus]\n[Outro]",
            ["Intro", "Verse 1", "Pre-Chorus", "Chorus", "Outro"],
        ),
        ("[Verse] [Chorus] [Bridge] [Chorus]", ["Verse", "Chorus", "Bridge", "Chorus"]),
        (
            "Verse 1 / Chorus / Verse 2 / Chorus / Bridge / Outro",
            ["Verse 1", "Chorus", "Verse 2", "Chorus", "Bridge", "Outro"],
        ),
        ("start with a verse, then a pre chorus and a big hook", ["Verse", "Pre-Chorus", "Hook"]),
        ("whatever you like", ["Verse", "Chorus", "Verse", "Chorus", "Bridge", "Chorus"]),
    ],
)
def test_the_lyrics_follow_the_structure(api, structure, expected):
    assert sections(structure) == expected
    r = api.post("/music/lyrics", json={"prompt": PROMPT, "structure": structure})
    layout = parsed(r.json()["lyrics"])
    assert [name for name, _ in layout] == expected
    for name, lines in layout:
        assert 2 <= len(lines) <= (2 if name in ("Intro", "Outro") else 4)


def test_every_section_is_about_the_prompts_theme(api):
    theme = set(theme_words(PROMPT))
    assert theme == {"nostalgic", "long", "road", "trip", "home"}
    structure = "[Verse]\n[Chorus]\n[Verse]\n[Bridge]\n[Outro]"
    r = api.post("/music/lyrics", json={"prompt": PROMPT, "structure": structure})
    for _, lines in parsed(r.json()["lyrics"]):
        words = set(re.findall(r"[a-z]+", " ".join(lines).lower()))
        assert words & theme, lines


def test_a_short_word_prompt_still_has_a_theme(api):
    r = api.post("/music/lyrics", json={"prompt": "sun and sea"})
    assert r.status_code == 200
    for _, lines in parsed(r.json()["lyrics"]):
        assert {"sun", "sea"} & set(re.findall(r"[a-z]+", " ".join(lines).lower())), lines


@pytest.mark.parametrize("prompt", ["123 !!", "a b c", "42", "something forbidden"])
def test_nothing_to_write_about_is_422_no_lyrics(simulator, api, prompt):
    r = api.post("/music/lyrics", json={"prompt": prompt})
    assert r.status_code == 422
    body = r.json()
    assert body["error"]["code"] == "no_lyrics" and body["error"]["message"]
    assert body["agent_text"] and body["email"] == "alice@example.com"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 400, "Parameter prompt is required"),
        ({"prompt": "  "}, 400, "Parameter prompt is required"),
        ({"prompt": "x" * 2_001}, 400, "Parameter prompt must be at most 2,000 characters"),
        ({"prompt": PROMPT, "structure": "s" * 2_001}, 400, "Parameter structure must be at most"),
        ({"prompt": PROMPT, "structure": 3}, 400, "Parameter structure must be a string"),
        (
            {"prompt": PROMPT, "email": "nobody@example.com"},
            400,
            "Account nobody@example.com is not",
        ),
        (
            {"prompt": PROMPT, "email": "broken@example.com"},
            596,
            "Account broken@example.com in error",
        ),
    ],
)
def test_validation_and_account_errors(api, body, status, message):
    r = api.post("/music/lyrics", json=body)
    assert r.status_code == status and r.json()["code"] == status
    assert r.json()["error"].startswith(message)


def test_form_bodies_work_too(api):
    r = api.post("/music/lyrics", files={"prompt": (None, PROMPT), "structure": (None, "[Hook]")})
    assert r.status_code == 200 and [n for n, _ in parsed(r.json()["lyrics"])] == ["Hook"]


def test_a_draft_can_be_sung(api):
    draft = api.post("/music/lyrics", json={"prompt": PROMPT, "structure": "[Verse]"}).json()
    body = {"prompt": draft["sound_prompt"] + ", single take", "lyrics": draft["lyrics"]}
    [clip] = api.post("/music", json=body).json()["clips"]
    assert clip["lyrics"] == draft["lyrics"]
    assert len(clip["lyrics_timing"]) == len(parsed(draft["lyrics"])[0][1])


def test_faults_on_the_lyrics_route(simulator, api):
    simulator.state.inject("POST /music/lyrics", "503")
    assert api.post("/music/lyrics", json={"prompt": PROMPT}).status_code == 503
    simulator.state.inject("POST /music/lyrics", "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/music/lyrics", json={"prompt": PROMPT})
    assert simulator.state.requests[-1].route == "POST /music/lyrics"
    assert simulator.state.requests[-1].status is None
    assert api.post("/music/lyrics", json={"prompt": PROMPT}).status_code == 200
