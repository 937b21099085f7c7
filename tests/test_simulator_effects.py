"""``operation: "effect"`` and ``GET /music/download`` of the simulator over real HTTP:
validation, free async jobs, the DSP of each effect on real samples, stereo, MP3 downloads."""

from __future__ import annotations

import io
import json
import time
import wave

import av
import httpx
import numpy as np
import pytest

PROMPT = "bright pop 0, 120 bpm, single take"  # 14 s, four timed lines
LYRICS = (
    "[Verse]\nCity lights are calling\nI keep on falling\n\n"
    "[Chorus]\nHold me close tonight\nUntil the morning light"
)
JSON = {"Content-Type": "application/json"}
EFFECTS = "Parameter effect must be one of: Trim, Fade, Gain, Reverb, Pan, Equalizer"
GAIN = "Parameter gain_db must be a number from -30 to 30"
PAN = "Parameter pan must be a number from -1 to 1"
EQ_NONE = "Parameter bass_db, mid_db or treble_db must be non-zero"
FADE_NONE = "Parameter fade_in_s or fade_out_s must be greater than 0"


def song(api, **fields) -> dict:
    body = {"prompt": PROMPT, "lyrics": LYRICS, "email": "alice@example.com", **fields}
    r = api.post("/music", json=body)
    assert r.status_code == 200, r.text
    return r.json()["clips"][0]


def effect(api, clip: dict, name: str, **fields) -> httpx.Response:
    body = {"operation": "effect", "effect": name, "clip": clip["clip"], **fields}
    return api.post("/music/edit", json=body)


def result(api, clip: dict, name: str, **fields) -> dict:
    r = effect(api, clip, name, **fields)
    assert r.status_code == 200, r.text
    [clip] = r.json()["clips"]
    return clip


def pcm(url: str) -> np.ndarray:
    """int16 samples as float64: ``(n,)`` mono, ``(n, 2)`` stereo."""
    with wave.open(io.BytesIO(httpx.get(url).content)) as wav:
        assert (wav.getframerate(), wav.getsampwidth()) == (44100, 2)
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        return data.reshape(-1, wav.getnchannels()).squeeze().astype(float)


def rms_db(x: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(x**2)))


def band_db(x: np.ndarray, low: float, high: float) -> float:
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / 44100)
    return 10 * np.log10(power[(freqs >= low) & (freqs < high)].sum())


def credits(api) -> int:
    return api.get("/accounts/alice@example.com").json()["credits_remaining"]


def test_every_effect_validation_error_names_the_field(simulator, api):
    clip = song(api)
    d = clip["duration_s"]
    cases = [
        ({}, "Parameter effect is required"),
        ({"effect": ""}, "Parameter effect is required"),
        ({"effect": "trim"}, EFFECTS),
        ({"effect": "Chorus"}, EFFECTS),
        ({"effect": 3}, EFFECTS),
        ({"effect": "Trim", "end_s": 2}, "Parameter start_s is required"),
        ({"effect": "Trim", "start_s": 1}, "Parameter end_s is required"),
        ({"effect": "Trim", "start_s": "1", "end_s": 2}, "Parameter start_s must be a number"),
        ({"effect": "Trim", "start_s": 1, "end_s": True}, "Parameter end_s must be a number"),
        ({"effect": "Trim", "start_s": -0.5, "end_s": 2}, "Parameter start_s must be at least 0"),
        (
            {"effect": "Trim", "start_s": 2, "end_s": 2},
            "Parameter end_s must be greater than start_s",
        ),
        (
            {"effect": "Trim", "start_s": 2, "end_s": 2.000001},  # the same sample
            "Parameter end_s must be greater than start_s",
        ),
        (
            {"effect": "Trim", "start_s": 3, "end_s": 1},
            "Parameter end_s must be greater than start_s",
        ),
        (
            {"effect": "Trim", "start_s": 1, "end_s": d + 0.01},
            f"Parameter end_s must be at most the clip's duration ({d:g} s)",
        ),
        ({"effect": "Fade"}, FADE_NONE),
        ({"effect": "Fade", "fade_in_s": 0, "fade_out_s": 0}, FADE_NONE),
        (
            {"effect": "Fade", "fade_in_s": -1, "fade_out_s": 2},
            "Parameter fade_in_s must be at least 0",
        ),
        ({"effect": "Fade", "fade_out_s": -0.1}, "Parameter fade_out_s must be at least 0"),
        ({"effect": "Fade", "fade_out_s": "2"}, "Parameter fade_out_s must be a number"),
        (
            {"effect": "Fade", "fade_in_s": d / 2, "fade_out_s": d / 2 + 0.01},
            f"Parameter fade_in_s + fade_out_s must be at most the clip's duration ({d:g} s)",
        ),
        ({"effect": "Gain"}, "Parameter gain_db is required"),
        *(({"effect": "Gain", "gain_db": v}, GAIN) for v in (30.5, -31, "6", False, float("nan"))),
        ({"effect": "Reverb", "mix": 1.5}, "Parameter mix must be a number from 0 to 1"),
        ({"effect": "Reverb", "mix": -0.1}, "Parameter mix must be a number from 0 to 1"),
        ({"effect": "Reverb", "room_size": 2}, "Parameter room_size must be a number from 0 to 1"),
        (
            {"effect": "Reverb", "room_size": "big"},
            "Parameter room_size must be a number from 0 to 1",
        ),
        ({"effect": "Pan"}, "Parameter pan is required"),
        *(({"effect": "Pan", "pan": v}, PAN) for v in (1.01, -2, "left")),
        ({"effect": "Equalizer"}, EQ_NONE),
        ({"effect": "Equalizer", "bass_db": 0, "mid_db": 0, "treble_db": 0}, EQ_NONE),
        (
            {"effect": "Equalizer", "bass_db": 13},
            "Parameter bass_db must be a number from -12 to 12",
        ),
        (
            {"effect": "Equalizer", "mid_db": -12.5},
            "Parameter mid_db must be a number from -12 to 12",
        ),
        (
            {"effect": "Equalizer", "treble_db": "3"},
            "Parameter treble_db must be a number from -12 to 12",
        ),
    ]
    for fields, message in cases:
        body = {"operation": "effect", "clip": clip["clip"], **fields}
        # Python's json writes NaN, as a careless client might (httpx refuses to).
        r = api.post("/music/edit", content=json.dumps(body), headers=JSON)
        assert r.status_code == 400 and r.json()["code"] == 400, (fields, r.text)
        assert r.json()["error"] == message, (fields, r.json()["error"])
    assert simulator.state.accepted_edits() == []


def test_each_effect_reads_only_its_own_fields(api):
    clip = song(api)
    foreign = {"start_s": -5, "gain_db": 99, "pan": 7, "fade_in_s": -1, "treble_db": 40}
    foreign |= {"extend_s": 0, "instruction": 5}
    for name, own in [
        ("Gain", {"gain_db": -3}),
        ("Pan", {"pan": 0.2}),
        ("Trim", {"start_s": 0, "end_s": 1}),
        ("Reverb", {"room_size": 0.1}),
    ]:
        body = {"operation": "effect", "effect": name, "clip": clip["clip"], **foreign, **own}
        r = api.post("/music/edit", json=body)
        assert r.status_code == 200, (name, r.text)
        assert r.json()["request"] == body


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_form_bodies_send_effect_numbers_as_text(api, encoding):
    clip = song(api)
    form = {"operation": "effect", "effect": "Gain", "clip": clip["clip"], "gain_db": "-6"}
    send = (
        {"files": {k: (None, v) for k, v in form.items()}}
        if encoding == "multipart"
        else {"data": form}
    )
    r = api.post("/music/edit", **send)
    assert r.status_code == 200, r.text
    assert r.json()["clips"][0]["title"] == f"{clip['title']} (gain)"


def test_effects_are_free_async_and_report_back(simulator, api, receiver):
    clip = song(api)
    simulator.state.set_account("alice@example.com", credits=0)
    body = {"operation": "effect", "effect": "Reverb", "clip": clip["clip"], "mode": "async"}
    r = api.post("/music/edit", json={**body, "replyUrl": receiver.url, "replyRef": "fx-1"})
    assert r.status_code == 201 and r.json()["status"] == "pending"
    assert r.json()["operation"] == "effect"
    deadline = time.time() + 10
    while not receiver.bodies:
        assert time.time() < deadline, "no webhook"
        time.sleep(0.02)
    [hook] = receiver.bodies
    assert (hook["status"], hook["operation"], hook["replyRef"]) == ("completed", "effect", "fx-1")
    assert hook["clips"][0]["title"] == f"{clip['title']} (reverb)"
    assert credits(api) == 0  # nothing charged, and no 402 without credits


def test_titles(api):
    clip = song(api)
    assert result(api, clip, "Pan", pan=1)["title"] == f"{clip['title']} (pan)"
    assert result(api, clip, "Equalizer", bass_db=3)["title"] == f"{clip['title']} (equalizer)"
    assert result(api, clip, "Fade", fade_in_s=1, title="Soft")["title"] == "Soft"


def test_trim_is_exactly_the_slice_and_cuts_the_timing(api):
    clip = song(api)
    source = pcm(clip["wav_url"])
    timing = clip["lyrics_timing"]
    start = round((timing[0][0] + timing[0][1]) / 2, 4) + 0.00003
    end = round((timing[2][0] + timing[2][1]) / 2, 4)
    trimmed = result(api, clip, "Trim", start_s=start, end_s=end)
    i0, i1 = round(start * 44100), round(end * 44100)
    assert np.array_equal(pcm(trimmed["wav_url"]), source[i0:i1])
    assert trimmed["duration_s"] == round((i1 - i0) / 44100, 2)
    t0, t1 = i0 / 44100, i1 / 44100
    assert trimmed["lyrics_timing"] == [
        [round(max(a, t0) - t0, 2), round(min(b, t1) - t0, 2)] for a, b in timing[:3]
    ]
    assert trimmed["lyrics_timing"][0][0] == 0
    assert (
        trimmed["lyrics"]
        == "[Verse]\nCity lights are calling\nI keep on falling\n\n[Chorus]\nHold me close tonight"
    )
    intro = result(api, clip, "Trim", start_s=0, end_s=timing[0][0])
    assert (intro["lyrics"], intro["lyrics_timing"]) == ("[Instrumental]", None)


def test_gain_scales_every_sample(api):
    clip = song(api)
    source = pcm(clip["wav_url"])
    quiet = result(api, clip, "Gain", gain_db=-10)
    samples = pcm(quiet["wav_url"])
    assert np.abs(samples - source * 10 ** (-10 / 20)).max() <= 1
    louder = pcm(result(api, quiet, "Gain", gain_db=6)["wav_url"])
    assert abs(rms_db(louder) - rms_db(samples) - 6) < 0.2
    assert (quiet["lyrics"], quiet["lyrics_timing"]) == (clip["lyrics"], clip["lyrics_timing"])
    clipped = pcm(result(api, clip, "Gain", gain_db=12)["wav_url"])
    assert clipped.max() == 32767 and clipped.min() == -32767  # full scale, no limiter


def test_fade_ramps_from_and_to_silence(api):
    clip = song(api)
    source = pcm(clip["wav_url"])
    faded = pcm(result(api, clip, "Fade", fade_in_s=1, fade_out_s=2)["wav_url"])
    n, k_in, k_out = len(source), 44100, 88200
    assert len(faded) == n and faded[0] == 0 and faded[-1] == 0
    assert np.array_equal(faded[k_in : n - k_out], source[k_in : n - k_out])
    ramp = np.arange(k_in) / k_in
    assert np.abs(faded[:k_in] - np.round(source[:k_in] * ramp)).max() <= 1
    only_out = pcm(result(api, clip, "Fade", fade_out_s=0.5)["wav_url"])
    assert only_out[-1] == 0 and np.array_equal(only_out[:-22050], source[:-22050])


def test_pan_makes_stereo_with_constant_power(api):
    clip = song(api)
    source = pcm(clip["wav_url"])
    panned = result(api, clip, "Pan", pan=0.5)
    stereo = pcm(panned["wav_url"])
    assert stereo.shape == (len(source), 2) and not np.array_equal(stereo[:, 0], stereo[:, 1])
    theta = 1.5 * np.pi / 4
    assert np.abs(stereo[:, 0] - source * np.cos(theta)).max() <= 1
    assert np.abs(stereo[:, 1] - source * np.sin(theta)).max() <= 1
    assert abs(rms_db(np.hypot(stereo[:, 0], stereo[:, 1])) - rms_db(source)) < 0.01
    with av.open(io.BytesIO(httpx.get(panned["audio_url"]).content)) as container:
        assert container.streams.audio[0].codec_context.channels == 2
    hard_left = pcm(result(api, clip, "Pan", pan=-1)["wav_url"])
    assert np.array_equal(hard_left[:, 0], source) and not hard_left[:, 1].any()
    # A stereo clip stays stereo through other effects and edits.
    [a, b] = [result(api, panned, "Trim", start_s=1, end_s=2), panned]
    assert np.array_equal(pcm(a["wav_url"]), stereo[44100:88200])
    extend = {"operation": "extend", "clip": b["clip"], "instruction": "an outro", "extend_s": 1}
    [extended] = api.post("/music/edit", json=extend).json()["clips"]
    longer = pcm(extended["wav_url"])
    assert longer.shape == (len(source) + 44100, 2) and np.array_equal(
        longer[: len(source)], stereo
    )


def test_equalizer_shapes_the_spectrum(api):
    clip = result(api, song(api), "Gain", gain_db=-14)  # room for a boost without clipping
    source = pcm(clip["wav_url"])
    boosted = pcm(result(api, clip, "Equalizer", bass_db=12)["wav_url"])
    assert len(boosted) == len(source)
    assert band_db(boosted, 30, 100) - band_db(source, 30, 100) > 9
    assert abs(band_db(boosted, 3000, 8000) - band_db(source, 3000, 8000)) < 0.5
    dull = pcm(result(api, clip, "Equalizer", treble_db=-12, mid_db=3)["wav_url"])
    assert band_db(dull, 10000, 16000) - band_db(source, 10000, 16000) < -9
    assert abs(band_db(dull, 900, 1100) - band_db(source, 900, 1100) - 3) < 1


def test_reverb_keeps_the_length_and_the_loudness(api):
    clip = song(api)
    source = pcm(clip["wav_url"])
    wet = result(api, clip, "Reverb", mix=0.6, room_size=0.9)
    samples = pcm(wet["wav_url"])
    assert len(samples) == len(source) and wet["duration_s"] == clip["duration_s"]
    assert abs(rms_db(samples) - rms_db(source)) < 3
    correlation = np.corrcoef(samples, source)[0, 1]
    assert 0.3 < correlation < 0.95
    assert samples[-1] == 0  # the tail is faded out, not cut
    dry = pcm(result(api, clip, "Reverb", mix=0)["wav_url"])
    assert np.abs(dry - source).max() <= 1


def decode(data: bytes) -> tuple[int, int]:
    """The sample count and channel count of an MP3, as PyAV decodes it."""
    with av.open(io.BytesIO(data)) as container:
        frames = list(container.decode(audio=0))
    return sum(f.samples for f in frames), frames[0].layout.nb_channels


def download(api, wanted: str, **query) -> httpx.Response:
    return api.get("/music/download", params={"id": wanted, "format": "mp3", **query})


def test_download_is_a_real_mp3_of_the_clip(simulator, api):
    r = api.post("/music", json={"prompt": PROMPT, "lyrics": LYRICS, "mode": "async"})
    job = r.json()
    assert download(api, job["jobid"]).status_code == 409
    for _ in range(200):
        record = api.get(f"/jobs/{job['jobid']}").json()
        if record["status"] == "completed":
            break
        time.sleep(0.02)
    [clip] = record["clips"]
    r = download(api, clip["clip"])
    assert r.status_code == 200 and r.headers["content-type"] == "audio/mpeg"
    assert r.headers["content-disposition"] == f'attachment; filename="{clip["title"]}.mp3"'
    samples, channels = decode(r.content)
    assert channels == 1
    assert abs(samples / 44100 - len(pcm(clip["wav_url"])) / 44100) < 0.05
    assert download(api, job["jobid"]).content == r.content  # a jobid: its first clip
    panned = result(api, clip, "Pan", pan=-0.3, title="Élan / 2")
    r = download(api, panned["clip"])
    assert decode(r.content)[1] == 2
    assert r.headers["content-disposition"] == (
        "attachment; filename=\"_lan _ 2.mp3\"; filename*=UTF-8''%C3%89lan%20_%202.mp3"
    )


def test_download_errors(simulator, api):
    clip = song(api)
    bad = [
        ({"id": ""}, 400, "Parameter id is required"),
        ({"id": "user:1-x:nope"}, 400, "Parameter id is not a known clip id or jobid"),
        ({"id": clip["clip"], "format": "wav"}, 400, "Parameter format must be mp3"),
    ]
    for query, status, message in bad:
        r = download(api, **{"wanted": query.pop("id"), **query})
        assert (r.status_code, r.json()) == (status, {"error": message, "code": status})
    r = api.get("/music/download", params={"id": clip["clip"]})
    assert r.json()["error"] == "Parameter format must be mp3"
    failed = api.post("/music", json={"prompt": "something forbidden", "mode": "async"}).json()
    time.sleep(0.1)
    r = download(api, failed["jobid"])
    assert r.status_code == 409 and r.json()["error"].endswith("(status: failed)")
    assert httpx.get(simulator.flowmusic_url + "/music/download").status_code == 401
    simulator.state.inject("GET /music/download", "503")
    assert download(api, clip["clip"]).status_code == 503
    assert download(api, clip["clip"]).status_code == 200
