"""``POST /music/edit`` of the simulator over real HTTP: validation, accounts, records, audio."""

from __future__ import annotations

import io
import json
import time
import wave

import httpx
import numpy as np
import pytest
from mutagen.mp4 import MP4

from studio.simulator.audio import RenderedSong, render_music
from studio.simulator.edits import read_samples
from studio.simulator.encode import write_m4a, write_wav
from studio.simulator.models import BUSY_MESSAGE, NO_CREDITS_MESSAGE

# A short sung take (14 s, four timed lines) keeps the renders quick.
PROMPT = "bright pop 0, 120 bpm, single take"
LYRICS = (
    "[Verse]\nCity lights are calling\nI keep on falling\n\n"
    "[Chorus]\nHold me close tonight\nUntil the morning light"
)
REMIX_LYRICS = (
    "[Verse]\nPaper boats on a silver stream\nCarry every word I mean\n\n[Chorus]\nSing it back"
)
JSON = {"Content-Type": "application/json"}
EXTEND_S = "Parameter extend_s must be a number from 1 to 300"


def song(api, email: str = "alice@example.com") -> dict:
    """The one clip of a completed vocal song (lyrics with timing)."""
    r = api.post("/music", json={"prompt": PROMPT, "lyrics": LYRICS, "email": email})
    assert r.status_code == 200, r.text
    return r.json()["clips"][0]


def edit(api, clip: dict, operation: str, **fields) -> httpx.Response:
    return api.post("/music/edit", json={"operation": operation, "clip": clip["clip"], **fields})


def done(api, response: httpx.Response) -> dict:
    assert response.status_code in (200, 201), response.text
    jobid = response.json()["jobid"]
    for _ in range(500):
        record = api.get(f"/jobs/{jobid}").json()
        if record["status"] != "pending":
            return record
        time.sleep(0.02)
    raise AssertionError("edit never finished")


def pcm(url: str) -> np.ndarray:
    return pcm_file(io.BytesIO(httpx.get(url).content))


def pcm_file(source) -> np.ndarray:
    with wave.open(source if isinstance(source, io.BytesIO) else str(source)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (44100, 1, 2)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


def post_form(api, form: dict, encoding: str) -> httpx.Response:
    if encoding == "multipart":
        return api.post("/music/edit", files={k: (None, v) for k, v in form.items()})
    return api.post("/music/edit", data=form)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(float) ** 2)))


def test_every_validation_error_names_the_field(simulator, api):
    clip = song(api)
    d = clip["duration_s"]
    long = "x" * 2_001
    cases = [
        ({"instruction": "x"}, "Parameter operation is required"),
        ({"operation": "effect"}, "Parameter effect is required"),
        (
            {"operation": "dance"},
            "Parameter operation must be one of: extend, replace, cover, remix, effect, stems",
        ),
        ({"operation": "cover", "clip": None}, "Parameter clip is required"),
        ({"operation": "cover", "clip": "user:1-x:nope"}, "Parameter clip is not a known clip id"),
        (
            {"operation": "cover", "email": "alice@example.com"},
            "Parameter email is not supported: the clip's own account runs the edit",
        ),
        (
            {"operation": "cover", "title": "t" * 201},
            "Parameter title must be at most 200 characters",
        ),
        ({"operation": "cover", "title": 5}, "Parameter title must be a string"),
        ({"operation": "cover", "seed": -1}, "Parameter seed must be at least 0"),
        ({"operation": "cover", "seed": 1.5}, "Parameter seed must be an integer"),
        ({"operation": "cover", "seed": "3"}, "Parameter seed must be an integer"),
        ({"operation": "cover", "seed": True}, "Parameter seed must be an integer"),
        ({"operation": "cover", "mode": "later"}, "Parameter mode must be one of: sync, async"),
        (
            {"operation": "cover", "replyUrl": "ftp://x"},
            "Parameter replyUrl must be an http(s) URL",
        ),
        ({"operation": "cover", "replyRef": 7}, "Parameter replyRef must be a string"),
        ({"operation": "extend"}, "Parameter instruction is required"),
        ({"operation": "extend", "instruction": " "}, "Parameter instruction is required"),
        (
            {"operation": "extend", "instruction": long},
            "Parameter instruction must be at most 2,000 characters",
        ),
        *(
            ({"operation": "extend", "instruction": "x", "extend_s": value}, EXTEND_S)
            for value in (0.5, 301, "20", float("nan"), False)
        ),
        (
            {"operation": "extend", "instruction": "x", "extend_from_s": 0},
            "Parameter extend_from_s must be greater than 0",
        ),
        (
            {"operation": "extend", "instruction": "x", "extend_from_s": "5"},
            "Parameter extend_from_s must be a number",
        ),
        (
            {"operation": "extend", "instruction": "x", "extend_from_s": d + 0.01},
            f"Parameter extend_from_s must be at most the clip's duration ({d:g} s)",
        ),
        (
            {"operation": "replace", "mask_start_s": 1, "mask_end_s": 2},
            "Parameter instruction is required",
        ),
        (
            {"operation": "replace", "instruction": "x", "mask_end_s": 2},
            "Parameter mask_start_s is required",
        ),
        (
            {"operation": "replace", "instruction": "x", "mask_start_s": 1},
            "Parameter mask_end_s is required",
        ),
        (
            {"operation": "replace", "instruction": "x", "mask_start_s": -1, "mask_end_s": 2},
            "Parameter mask_start_s must be at least 0",
        ),
        (
            {"operation": "replace", "instruction": "x", "mask_start_s": 2, "mask_end_s": 2},
            "Parameter mask_end_s must be greater than mask_start_s",
        ),
        (
            {"operation": "replace", "instruction": "x", "mask_start_s": 2, "mask_end_s": d + 1},
            f"Parameter mask_end_s must be at most the clip's duration ({d:g} s)",
        ),
        (
            {"operation": "cover", "instruction": long},
            "Parameter instruction must be at most 2,000",
        ),
        (
            {"operation": "cover", "strength": 1.5},
            "Parameter strength must be a number from 0 to 1",
        ),
        (
            {"operation": "cover", "strength": -0.1},
            "Parameter strength must be a number from 0 to 1",
        ),
        ({"operation": "remix"}, "Parameter lyrics is required"),
        ({"operation": "remix", "lyrics": "y" * 10_001}, "Parameter lyrics must be at most 10,000"),
        (
            {"operation": "remix", "lyrics": "[Verse]\n[Chorus]"},
            "Parameter lyrics must have at least",
        ),
        (
            {"operation": "remix", "lyrics": "la la", "prompt": "p" * 10_001},
            "Parameter prompt must be at most 10,000 characters",
        ),
    ]
    for fields, message in cases:
        body = {"clip": clip["clip"], **fields}
        body = {k: v for k, v in body.items() if v is not None}
        # Python's json writes NaN, as a careless client might (httpx refuses to).
        r = api.post("/music/edit", content=json.dumps(body), headers=JSON)
        assert r.status_code == 400 and r.json()["code"] == 400, (fields, r.text)
        assert r.json()["error"].startswith(message), (fields, r.json()["error"])
    assert simulator.state.accepted_edits() == []
    assert api.get("/accounts/alice@example.com").json()["credits_remaining"] == 990


def test_reply_url_must_be_studios_own_when_mounted(simulator, api):
    clip = song(api)
    simulator.state.reply_url_prefixes = ("https://studio.example/hooks/",)
    try:
        r = edit(api, clip, "cover", replyUrl="https://elsewhere.example/hook")
        assert r.json()["error"] == "Parameter replyUrl must be this Studio's own webhook URL"
        r = edit(
            api, clip, "cover", replyUrl="https://studio.example/hooks/flowmusic/", mode="async"
        )
        assert r.status_code == 201
    finally:
        simulator.state.reply_url_prefixes = None


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_form_bodies_send_numbers_as_text(simulator, api, encoding):
    clip = song(api)
    form = {"operation": "extend", "clip": clip["clip"], "instruction": "a solo"}
    form |= {"extend_s": "2.5", "extend_from_s": "", "seed": "4"}
    r = post_form(api, form, encoding)
    assert r.status_code == 200, r.text
    [result] = r.json()["clips"]
    assert result["seed"] == 4 and result["duration_s"] == round(clip["duration_s"] + 2.5, 2)
    assert simulator.state.accepted_edits()[0].json["extend_s"] == 2.5
    assert post_form(api, {**form, "extend_s": "lots"}, encoding).json()["error"] == EXTEND_S


def test_edits_run_on_the_clips_account_596_402(simulator, api):
    clip = song(api, "bob@example.com")
    assert edit(api, clip, "cover").json()["email"] == "bob@example.com"
    assert api.get("/accounts/bob@example.com").json()["credits_remaining"] == 980
    simulator.state.set_account("bob@example.com", credits=5)
    r = edit(api, clip, "cover")
    assert (r.status_code, r.json()["error"]) == (402, NO_CREDITS_MESSAGE)
    simulator.state.set_account("bob@example.com", credits=100, error="refresh token rejected")
    r = edit(api, clip, "cover")
    assert r.json() == {
        "error": "Account bob@example.com in error state: refresh token rejected",
        "code": 596,
    }


def test_edits_count_against_the_clips_max_jobs_429(simulator, api):
    clip = song(api, "bob@example.com")
    simulator.state.latency = 30
    for _ in range(2):  # bob's maxJobs is 2; alice's free capacity does not help
        assert edit(api, clip, "cover", mode="async").status_code == 201
    r = edit(api, clip, "cover", mode="async")
    assert (r.status_code, r.json()["error"]) == (429, BUSY_MESSAGE)
    assert "retry-after" not in r.headers
    running = api.get("/jobs").json()["bob@example.com"]
    assert running["running"] == 2
    assert [j["operation"] for j in running["jobs"]] == ["cover", "cover"]
    assert set(running["jobs"][0]) == {"jobid", "status", "operation", "created_at"}


def test_async_record_echoes_the_request_and_names_the_operation(simulator, api):
    clip = song(api)
    simulator.state.latency = 0.6
    body = {"operation": "extend", "clip": clip["clip"], "instruction": "a guitar solo"}
    body |= {"extend_s": 3, "mode": "async", "replyRef": "edit-1"}
    r = api.post("/music/edit", json=body)
    assert r.status_code == 201
    pending = r.json()
    assert set(pending) == {"jobid", "email", "status", "operation", "created_at", "request"}
    assert (pending["status"], pending["operation"], pending["request"]) == (
        "pending",
        "extend",
        body,
    )
    assert pending["jobid"].endswith("-alice@example.com-bot:flowmusic")
    # Adoption after a lost answer: the running job is listed and its record echoes replyRef.
    [listed] = api.get("/jobs").json()["alice@example.com"]["jobs"]
    assert (listed["jobid"], listed["operation"]) == (pending["jobid"], "extend")
    again = api.get(f"/jobs/{pending['jobid']}").json()
    assert again["status"] == "pending" and again["request"]["replyRef"] == "edit-1"
    record = done(api, r)
    assert record["status"] == "completed" and record["operation"] == "extend"
    assert record["request"] == body and record["completed_at"] and record["duration_ms"] >= 0
    [result] = record["clips"]
    assert set(result) == set(clip) and result["clip"] != clip["clip"]
    assert result["title"] == f"{clip['title']} (extended)"
    assert httpx.get(result["audio_url"]).content[4:8] == b"ftyp"
    assert httpx.get(result["image_url"]).content[:3] == b"\xff\xd8\xff"
    [accepted] = simulator.state.accepted_edits()
    assert accepted.jobid == pending["jobid"] and accepted.json == body


@pytest.mark.parametrize(
    ("operation", "fields", "takes", "suffix"),
    [
        ("extend", {"instruction": "more", "extend_s": 2}, 1, "extended"),
        (
            "replace",
            {"instruction": "a break", "mask_start_s": 1, "mask_end_s": 3},
            1,
            "replaced section",
        ),
        ("cover", {}, 2, "cover"),
        ("remix", {"lyrics": REMIX_LYRICS}, 2, "remix"),
    ],
)
def test_clip_counts_and_titles(api, operation, fields, takes, suffix):
    clip = song(api)
    record = edit(api, clip, operation, **fields).json()
    assert record["operation"] == operation and len(record["clips"]) == takes
    assert {c["title"] for c in record["clips"]} == {f"{clip['title']} ({suffix})"}
    assert len({c["clip"] for c in record["clips"]}) == takes
    titled = edit(api, clip, operation, title="My Take", **fields).json()
    assert {c["title"] for c in titled["clips"]} == {"My Take"}


def test_a_seed_pins_the_result(api):
    clip = song(api)
    first, again, other = (
        edit(api, clip, "cover", seed=seed).json()["clips"] for seed in (7, 7, 8)
    )
    assert [c["seed"] for c in first] == [7, 8]
    assert np.array_equal(pcm(first[0]["wav_url"]), pcm(again[0]["wav_url"]))
    assert not np.array_equal(pcm(first[0]["wav_url"]), pcm(other[0]["wav_url"]))


def test_extension_keeps_the_exact_samples_up_to_the_point(api):
    clip = song(api)
    source = pcm(clip["wav_url"])
    at = round(clip["duration_s"] * 0.6, 2)
    [result] = edit(
        api, clip, "extend", instruction="a synth solo", extend_from_s=at, extend_s=12.5
    ).json()["clips"]
    audio = pcm(result["wav_url"])
    keep = round(at * 100) * 441
    assert len(audio) == keep + 1250 * 441
    assert result["duration_s"] == round(at + 12.5, 2)
    assert np.array_equal(audio[:keep], source[:keep])
    assert rms(audio[keep + 44100 :]) > 1_000  # new music, not silence
    kept = [line for line in clip["lyrics_timing"] if line[1] <= at]
    assert 0 < len(kept) < len(clip["lyrics_timing"]) and result["lyrics_timing"] == kept
    sung = [line for line in result["lyrics"].splitlines() if line and not line.startswith("[")]
    source_sung = [
        line for line in clip["lyrics"].splitlines() if line and not line.startswith("[")
    ]
    assert sung == source_sung[: len(kept)]


def test_extension_from_the_end_by_default(api):
    clip = song(api)
    source = pcm(clip["wav_url"])
    [result] = edit(api, clip, "extend", instruction="an outro", extend_s=1).json()["clips"]
    audio = pcm(result["wav_url"])
    assert len(audio) == len(source) + 44100 and np.array_equal(audio[: len(source)], source)
    assert result["duration_s"] == round(clip["duration_s"] + 1, 2)
    assert (result["lyrics"], result["lyrics_timing"]) == (clip["lyrics"], clip["lyrics_timing"])


def test_replace_changes_only_the_masked_section(api):
    clip = song(api)
    source = pcm(clip["wav_url"])
    start, end = 4.0, round(clip["duration_s"] - 3, 2)
    fields = {"instruction": "a drum break", "mask_start_s": start, "mask_end_s": end}
    [result] = edit(api, clip, "replace", **fields).json()["clips"]
    audio = pcm(result["wav_url"])
    i0, i1 = round(start * 100) * 441, round(end * 100) * 441
    assert len(audio) == len(source) and result["duration_s"] == clip["duration_s"]
    assert np.array_equal(audio[:i0], source[:i0]) and np.array_equal(audio[i1:], source[i1:])
    assert rms(audio[i0:i1] - source[i0:i1].astype(float)) > 1_000
    assert (result["lyrics"], result["lyrics_timing"]) == (clip["lyrics"], clip["lyrics_timing"])


def test_remix_sings_the_new_lyrics_with_new_timing(api):
    clip = song(api)
    record = edit(api, clip, "remix", lyrics=REMIX_LYRICS).json()
    assert record["request"]["lyrics"] == REMIX_LYRICS
    for result in record["clips"]:
        assert result["lyrics"] == REMIX_LYRICS
        timing = result["lyrics_timing"]
        assert len(timing) == 3 and timing != clip["lyrics_timing"][:3]
        assert all(a < b <= c for (a, b), (c, _) in zip(timing, timing[1:], strict=False))
        assert timing[-1][1] <= result["duration_s"]
        assert len(pcm(result["wav_url"])) == round(result["duration_s"] * 44100)
    a, b = (pcm(c["wav_url"]) for c in record["clips"])
    assert not np.array_equal(a, b)


def test_cover_is_new_audio_with_the_sources_words(api):
    clip = song(api)
    source = pcm(clip["wav_url"]).astype(float)
    record = edit(api, clip, "cover", instruction="as a slow jazz trio").json()
    for result in record["clips"]:
        audio = pcm(result["wav_url"]).astype(float)
        assert len(audio) == len(source)
        assert rms(audio - source) > 0.5 * rms(source)  # audibly different, not a copy
        assert (result["lyrics"], result["lyrics_timing"]) == (
            clip["lyrics"],
            clip["lyrics_timing"],
        )


def test_an_edit_of_an_edit(api):
    clip = song(api)
    [extended] = edit(api, clip, "extend", instruction="more", extend_s=4).json()["clips"]
    start, end = clip["duration_s"] + 1, clip["duration_s"] + 3
    fields = {"instruction": "a fill", "mask_start_s": start, "mask_end_s": end}
    [replaced] = edit(api, extended, "replace", **fields).json()["clips"]
    assert replaced["title"] == f"{clip['title']} (extended) (replaced section)"
    source, before, after = (pcm(c["wav_url"]) for c in (clip, extended, replaced))
    i0, i1 = round(start * 100) * 441, round(end * 100) * 441
    assert np.array_equal(before[: len(source)], source)
    assert np.array_equal(after[:i0], before[:i0]) and np.array_equal(after[i1:], before[i1:])
    covers = edit(api, replaced, "cover").json()["clips"]
    assert len(covers) == 2 and covers[0]["duration_s"] == replaced["duration_s"]


def test_a_moderated_edit_is_accepted_then_fails(simulator, api):
    clip = song(api)
    r = edit(api, clip, "extend", instruction="something forbidden", mode="async")
    assert r.status_code == 201
    record = done(api, r)
    assert record["status"] == "failed" and record["error"]["code"] == "moderation_reject"
    assert "clips" not in record and record["operation"] == "extend"
    r = edit(api, clip, "remix", lyrics="[Verse]\nA forbidden word")
    assert r.status_code == 422 and r.json()["status"] == "failed"
    # The song (10), the extend (8) and the remix (10): a failed job keeps its charge.
    assert api.get("/accounts/alice@example.com").json()["credits_remaining"] == 972


def test_webhook_carries_the_edit_and_reply_ref(simulator, api, receiver):
    clip = song(api)
    edit(api, clip, "cover", mode="async", replyUrl=receiver.url, replyRef="gen-9")
    deadline = time.time() + 10
    while not receiver.bodies:
        assert time.time() < deadline, "no webhook"
        time.sleep(0.02)
    [body] = receiver.bodies
    assert body["replyRef"] == "gen-9" and body["operation"] == "cover"
    assert body["status"] == "completed" and len(body["clips"]) == 2


def test_faults_on_the_edit_route(simulator, api):
    clip = song(api)
    state = simulator.state
    body = {"operation": "cover", "clip": clip["clip"], "mode": "async"}
    state.inject("POST /music/edit", "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/music/edit", json=body)
    assert state.accepted_edits() == [] and state.requests[-1].json == body
    state.inject("POST /music/edit", "accept_then_drop")
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/music/edit", json=body)
    [accepted] = state.accepted_edits()
    assert accepted.status is None and state.job(accepted.jobid).operation == "cover"
    assert api.get("/accounts/alice@example.com").json()["credits_remaining"] == 980
    state.inject("POST /music/edit", "429")
    r = api.post("/music/edit", json=body)
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    state.inject("POST /music/edit", "503")
    assert api.post("/music/edit", json=body).status_code == 503
    assert api.post("/music/edit", json=body).status_code == 201


def test_wav_samples_survive_the_round_trip_through_floats(tmp_path):
    ints = np.arange(-32767, 32768, dtype="<i2")
    path = tmp_path / "all.wav"
    write_wav(RenderedSong(ints / np.float32(32767), 44100, 1.49, "", "", None, 0), path)
    floats = read_samples(path)
    write_wav(RenderedSong(floats, 44100, 1.49, "", "", None, 0), path)
    assert np.array_equal(pcm_file(path), ints)


def test_long_renders_have_the_exact_length_and_encode(tmp_path):
    samples = render_music("a long jam", seed=3, duration_cs=6_123, timing=None, bpm=90)
    assert len(samples) == 6_123 * 441 and rms(samples[44100:] * 32767) > 1_000
    write_m4a(RenderedSong(samples, 44100, 61.23, "", "", None, 90), tmp_path / "long.m4a")
    assert abs(MP4(tmp_path / "long.m4a").info.length - 61.23) < 0.15
