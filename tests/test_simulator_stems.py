"""``operation: "stems"`` of the simulator over real HTTP: synchronous, four stems that add up
to the source, cached per clip (a retry is safe), free, account rules, faults."""

from __future__ import annotations

import io
import threading
import time
import wave

import httpx
import numpy as np
import pytest

from studio.simulator.models import BUSY_MESSAGE

# A short sung take (14 s, four timed lines) keeps the renders quick.
PROMPT = "bright pop 0, 120 bpm, single take"
LYRICS = (
    "[Verse]\nCity lights are calling\nI keep on falling\n\n"
    "[Chorus]\nHold me close tonight\nUntil the morning light"
)
NAMES = ("drums", "bass", "vocals", "other")


def song(api, email: str = "alice@example.com", **fields) -> dict:
    body = {"prompt": PROMPT, "lyrics": LYRICS, "email": email, **fields}
    r = api.post("/music", json=body)
    assert r.status_code == 200, r.text
    return r.json()["clips"][0]


def short(api, email: str = "alice@example.com", **fields) -> dict:
    """A 4 s clip with a sung line from 1 s (a trim of a song, free): quick to split."""
    body = {"operation": "effect", "effect": "Trim", "start_s": 1, "end_s": 5}
    r = api.post("/music/edit", json={**body, "clip": song(api, email, **fields)["clip"]})
    assert r.status_code == 200, r.text
    return r.json()["clips"][0]


def stems(api, clip: dict, **fields) -> httpx.Response:
    return api.post("/music/edit", json={"operation": "stems", "clip": clip["clip"], **fields})


def pcm(url: str) -> np.ndarray:
    with wave.open(io.BytesIO(httpx.get(url).content)) as wav:
        assert (wav.getframerate(), wav.getsampwidth()) == (44100, 2)
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.int32)
        return data if wav.getnchannels() == 1 else data.reshape(-1, wav.getnchannels())


def unsigned(record: dict) -> dict:
    """The record without its media URLs, whose signatures change with time."""
    urls = ("audio_url", "wav_url", "image_url")
    clips = [{k: v for k, v in c.items() if k not in urls} for c in record.get("clips", [])]
    return {**record, "clips": clips}


def accepted_stems(state) -> list:
    return [r for r in state.accepted_edits() if r.json["operation"] == "stems"]


def credits(api, email: str = "alice@example.com") -> int:
    return api.get(f"/accounts/{email}").json()["credits_remaining"]


def test_stems_answer_at_once_whatever_the_mode(simulator, api):
    clip = short(api)
    state = simulator.state
    r = stems(api, clip, mode="async", replyUrl="http://127.0.0.1:9/hook", replyRef="s-1")
    assert r.status_code == 200, r.text
    record = r.json()
    assert (record["status"], record["operation"]) == ("completed", "stems")
    assert record["jobid"].endswith("-alice@example.com-bot:flowmusic")
    assert record["request"]["mode"] == "async" and record["request"]["replyRef"] == "s-1"
    assert record["duration_ms"] >= 25  # no sooner than STEMS_LATENCY x latency
    assert [c["title"] for c in record["clips"]] == [f"{clip['title']} - {n}" for n in NAMES]
    assert len({c["clip"] for c in record["clips"]}) == 4
    for result in record["clips"]:
        assert set(result) == set(clip) and result["duration_s"] == clip["duration_s"]
        vocal = result["title"].endswith("vocals")
        assert result["lyrics"] == (clip["lyrics"] if vocal else "[Instrumental]")
        assert result["lyrics_timing"] == (clip["lyrics_timing"] if vocal else None)
        assert httpx.get(result["audio_url"]).content[4:8] == b"ftyp"
    assert unsigned(api.get(f"/jobs/{record['jobid']}").json()) == unsigned(record)
    time.sleep(0.3)
    assert state.webhook_log == []  # replyUrl is ignored
    assert credits(api) == 990  # the song only: stems are free


def test_the_stems_add_up_to_the_source(api):
    clip = song(api)
    source = pcm(clip["wav_url"])
    drums, bass, vocals, other = (pcm(c["wav_url"]) for c in stems(api, clip).json()["clips"])
    assert all(len(part) == len(source) for part in (drums, bass, vocals, other))
    assert np.abs(drums + bass + vocals + other - source).max() <= 4
    rms = {
        n: np.sqrt(np.mean(p.astype(float) ** 2))
        for n, p in zip(NAMES, (drums, bass, vocals, other), strict=True)
    }
    assert all(value > 300 for value in rms.values()), rms  # each stem has something in it
    spectrum = np.abs(np.fft.rfft(bass)) ** 2
    freqs = np.fft.rfftfreq(len(bass), 1 / 44100)
    assert spectrum[freqs < 300].sum() > 0.99 * spectrum.sum()
    first, last = clip["lyrics_timing"][0][0], clip["lyrics_timing"][-1][1]
    assert not vocals[: int((first - 0.1) * 44100)].any()  # silent before the first line
    assert not vocals[int((last + 0.25) * 44100) :].any()  # and after the last


def test_asking_again_gives_the_same_stems_at_once(simulator, api):
    clip = short(api)
    simulator.state.latency = 0.5  # the first answer waits 0.25 s at least
    first = stems(api, clip, title="Mine").json()
    started = time.monotonic()
    again = stems(api, clip, mode="async")
    assert time.monotonic() - started < 0.2
    assert again.status_code == 200 and unsigned(again.json()) == unsigned(first)
    assert [c["title"] for c in first["clips"]] == [f"Mine - {n}" for n in NAMES]
    assert credits(api) == 990 and len(accepted_stems(simulator.state)) == 1
    assert api.get("/jobs").json()["alice@example.com"]["running"] == 0


def test_concurrent_requests_share_one_job(simulator, api):
    clip = short(api)
    simulator.state.latency = 1.0
    answers: list[dict] = []

    def ask() -> None:
        answers.append(stems(api, clip).json())

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    [running] = api.get("/jobs").json()["alice@example.com"]["jobs"]
    assert running["operation"] == "stems" and running["status"] == "pending"
    for thread in threads:
        thread.join()
    assert unsigned(answers[0]) == unsigned(answers[1]) and answers[0]["status"] == "completed"
    assert credits(api) == 990


def test_stems_of_a_stem(api):
    clip = short(api)
    vocals = stems(api, clip).json()["clips"][2]
    record = stems(api, vocals).json()
    assert [c["title"] for c in record["clips"]] == [f"{vocals['title']} - {n}" for n in NAMES]
    parts = [pcm(c["wav_url"]) for c in record["clips"]]
    assert np.abs(sum(parts) - pcm(vocals["wav_url"])).max() <= 4
    assert record["clips"][2]["lyrics_timing"] == clip["lyrics_timing"]


def test_the_stems_of_a_stereo_clip_are_stereo(api):
    clip = short(api)
    body = {"operation": "effect", "effect": "Pan", "pan": -0.4, "clip": clip["clip"]}
    [panned] = api.post("/music/edit", json=body).json()["clips"]
    parts = [pcm(c["wav_url"]) for c in stems(api, panned).json()["clips"]]
    assert all(part.shape == (len(pcm(clip["wav_url"])), 2) for part in parts)
    assert np.abs(sum(parts) - pcm(panned["wav_url"])).max() <= 4


def test_an_instrumental_has_silent_vocals(api):
    clip = short(api, lyrics=None, instrumental=True)
    vocals = stems(api, clip).json()["clips"][2]
    assert vocals["lyrics"] == "[Instrumental]" and vocals["lyrics_timing"] is None
    assert not pcm(vocals["wav_url"]).any()


def test_stems_run_on_the_clips_account(simulator, api):
    state = simulator.state
    clip, other = short(api, "bob@example.com"), short(api, "bob@example.com")
    state.set_account("bob@example.com", credits=100, error="refresh token rejected")
    assert stems(api, clip).json()["code"] == 596
    state.set_account("bob@example.com", credits=0, error=None)
    assert stems(api, clip).status_code == 200  # free: no 402 without credits
    assert credits(api, "bob@example.com") == 0
    assert [e["type"] for e in state.usage("bob@example.com")] == ["music", "music"]
    state.set_account("bob@example.com", credits=100)
    state.latency = 30
    for _ in range(2):  # bob's maxJobs is 2
        r = api.post(
            "/music/edit", json={"operation": "cover", "clip": clip["clip"], "mode": "async"}
        )
        assert r.status_code == 201
    r = stems(api, other)
    assert (r.status_code, r.json()["error"]) == (429, BUSY_MESSAGE)
    assert state.accepted_edits()[-1].json["operation"] == "cover"
    r = stems(api, clip, email="bob@example.com")
    assert r.json()["error"].startswith("Parameter email is not supported")


def test_a_retry_after_a_drop_gets_the_same_stems(simulator, api):
    state = simulator.state
    clip = short(api)
    state.inject("POST /music/edit", "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        stems(api, clip)
    assert accepted_stems(state) == []
    state.inject("POST /music/edit", "accept_then_drop")
    with pytest.raises(httpx.RemoteProtocolError):
        stems(api, clip)
    [accepted] = accepted_stems(state)
    assert accepted.status is None
    record = stems(api, clip).json()
    assert record["jobid"] == accepted.jobid and len(record["clips"]) == 4
    assert credits(api) == 990 and len(accepted_stems(state)) == 1
    state.inject("POST /music/edit", "503")
    assert stems(api, clip).status_code == 503
    assert unsigned(stems(api, clip).json()) == unsigned(record)


def test_a_deleted_stems_job_is_made_again(simulator, api):
    clip = short(api)
    first = stems(api, clip).json()
    assert api.delete(f"/jobs/{first['jobid']}").status_code == 204
    again = stems(api, clip).json()
    assert again["jobid"] != first["jobid"] and credits(api) == 990
    assert [pcm(c["wav_url"]).sum() for c in again["clips"]] == [
        pcm(c["wav_url"]).sum() for c in first["clips"]
    ]
