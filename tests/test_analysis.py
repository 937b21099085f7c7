"""Tempo and key: analysed after ingest (pipeline/analysis.py), warmed before the ingest cluster
forks, backfilled by `manage.py analyse_tempo_key`, shown with each take and filtered on in the
library."""

from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
import sys
import time
import uuid
import wave
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import call_command
from django_q.conf import Conf

from studio.library.presenters import generation_views
from studio.library.queries import song_for_user
from studio.ops.management.commands import qcluster
from studio.ops.management.commands.seed_library import USERNAME
from studio.songs.models import Clip, Generation
from studio.songs.pipeline import analysis
from studio.songs.pipeline.analysis import KEYS, UNANALYSED, analyse
from tests.pipeline import Status, drive, settled, song
from tests.test_library import listed, make_song
from tests.test_library_queries import queries, seed
from tests.workers import ROOT

RATE = 44100
A_MINOR, D_MINOR, E_MAJOR, E_MINOR = [57, 60, 64], [62, 65, 69], [64, 68, 71], [64, 67, 71]
C_MAJOR, F_MAJOR, G_MAJOR = [60, 64, 67], [65, 69, 72], [67, 71, 74]


@pytest.fixture(scope="module", autouse=True)
def _warm():
    analysis.warm()  # once for the module: librosa compiles on first use


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def wav_bytes(samples: np.ndarray, rate: int = RATE, width: int = 2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        if width == 2:
            wav.writeframes(np.round(np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
        else:
            wav.writeframes(bytes(len(samples) * width))
    return out.getvalue()


def progression(chords: list[list[int]], seconds: float = 2.0, repeats: int = 3) -> np.ndarray:
    """Chords of sines (MIDI notes) with their root an octave below, as a pad would play."""
    t = np.arange(int(seconds * RATE)) / RATE
    envelope = np.minimum(1, t / 0.02) * np.minimum(1, (seconds - t) / 0.05)
    bars = []
    for chord in chords * repeats:
        notes = [chord[0] - 12, *chord]
        tones = sum(np.sin(2 * np.pi * 440 * 2 ** ((m - 69) / 12) * t) for m in notes)
        bars.append(tones * envelope)
    mix = np.concatenate(bars)
    return (0.5 * mix / np.abs(mix).max()).astype(np.float32)


def clicks(bpm: float, seconds: float = 20.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    since_beat = t % (60 / bpm)
    return (0.8 * np.exp(-since_beat * 60) * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)


def analysed(samples: np.ndarray) -> analysis.Analysis:
    return analyse(io.BytesIO(wav_bytes(samples)))


def near_tempo(found: float | None, bpm: float) -> bool:
    """Within 2 BPM of the tempo, or of its double or half (a beat tracker's usual doubt)."""
    return found is not None and any(abs(found - bpm * f) <= 2 for f in (0.5, 1, 2))


# The analysis ---------------------------------------------------------------------------------


def test_a_minor_progression_reads_as_a_minor_and_a_loop_on_its_relative_as_c_major():
    # i-iv-V-i dwells on A: A minor, whether the V is major (harmonic minor) or minor.
    assert analysed(progression([A_MINOR, D_MINOR, E_MAJOR, A_MINOR])).key == "A minor"
    assert analysed(progression([A_MINOR, D_MINOR, E_MINOR, A_MINOR])).key == "A minor"
    # Am-F-C-G has the same notes and leans on C and G: the profiles say C major, its relative.
    assert analysed(progression([A_MINOR, F_MAJOR, C_MAJOR, G_MAJOR])).key == "C major"
    assert analysed(progression([C_MAJOR, F_MAJOR, G_MAJOR, C_MAJOR])).key == "C major"
    # Transposed, the same progression names its own key, with sharps.
    up = [[m + 9 for m in chord] for chord in (A_MINOR, D_MINOR, E_MAJOR, A_MINOR)]
    assert analysed(progression(up)).key == "F# minor"


@pytest.mark.parametrize("bpm", [72, 96, 128])
def test_a_click_track_reads_at_its_tempo(bpm):
    assert analysed(clicks(bpm)).tempo_bpm == pytest.approx(bpm, abs=1)


def test_silence_short_audio_noise_and_other_formats_have_no_tempo_or_key():
    assert analysed(np.zeros(10 * RATE)) == UNANALYSED
    assert analysed(np.full(10 * RATE, 1e-4)) == UNANALYSED  # -80 dBFS hum
    assert analysed(clicks(120, seconds=2.0)) == UNANALYSED  # too short to tell a tempo
    noise = np.random.default_rng(1).standard_normal(10 * RATE) * 0.2
    assert analysed(noise).key is None  # no key stands out
    assert analysed(clicks(120)).key is None  # nor in a click track
    assert analyse(io.BytesIO(wav_bytes(np.zeros(RATE * 10), width=1))) == UNANALYSED  # 8-bit
    assert analyse(io.BytesIO(b"RIFF....WAVEnot really")) == UNANALYSED


def test_only_the_first_two_minutes_are_read_and_a_long_song_is_fast(tmp_path):
    song_wav = tmp_path / "long.wav"
    bar = progression([A_MINOR, D_MINOR, E_MAJOR, A_MINOR], repeats=1) + 0.5 * clicks(96, 8.0)
    song_wav.write_bytes(wav_bytes(np.tile(bar, 23)))  # 3 minutes 4 seconds
    samples, rate = analysis.read_mono(song_wav) or (np.empty(0), 0)
    assert len(samples) == analysis.MAX_SECONDS * rate
    started = time.perf_counter()
    result = analyse(song_wav)
    took = time.perf_counter() - started
    assert near_tempo(result.tempo_bpm, 96) and result.key == "A minor"
    assert took < 3.0, f"{took:.2f} s"  # ~0.5 s of CPU: a margin for a busy machine


def test_key_names_are_the_24_the_filter_offers():
    assert len(set(KEYS)) == 24 and "F# major" in KEYS and "A minor" in KEYS
    assert not any("b" in key.split()[0] for key in KEYS)  # sharps, not flats


# Warming, in the worker only --------------------------------------------------------------------


def _analyse_in_child(pipe) -> None:
    started = time.perf_counter()
    result = analysis.analyse_samples(clicks(96, seconds=10.0), RATE)
    pipe.send((time.perf_counter() - started, result.tempo_bpm))


def test_a_process_forked_after_warming_analyses_without_compiling_again():
    analysis.warm()  # as manage.py qcluster does before the cluster forks its workers
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_analyse_in_child, args=(send,))
    child.start()
    assert receive.poll(60), "the forked process never answered"
    took, bpm = receive.recv()
    child.join(10)
    assert bpm == pytest.approx(96, abs=1)
    assert took < 3.0, f"{took:.1f} s: it compiled again (cold, librosa takes ~10 s)"


@pytest.mark.parametrize(
    ("cluster", "expected"),
    [("ingest", ["warm", "cluster"]), ("studio", ["cluster"])],  # only where songs are analysed
)
def test_qcluster_warms_the_analysis_before_it_starts_the_ingest_cluster(
    monkeypatch, cluster, expected
):
    calls = []

    class NoCluster:
        def __init__(self):
            calls.append("cluster")
            raise RuntimeError("not started in tests")

    monkeypatch.setattr(analysis, "warm", lambda: calls.append("warm") or 0.0)
    monkeypatch.setattr(qcluster, "Cluster", NoCluster)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", cluster)
    with pytest.raises(RuntimeError):
        call_command("qcluster")
    assert calls == expected


def test_the_web_process_never_imports_librosa(tmp_path):
    code = (
        "import sys, django; django.setup(); import studio.urls, studio.wsgi;"
        "from studio.songs import tasks; from studio.library import views, presenters;"
        "assert 'librosa' not in sys.modules and 'numba' not in sys.modules, 'librosa loaded'"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "STUDIO_DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-2000:]


# At ingest ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("pipeline")
def test_a_simulator_song_at_96_bpm_gets_its_tempo_and_a_key(team, owner):
    generation = song(team, owner, prompt="warm analog synth pop, 96 bpm")
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED, generation.error_message
    clips = list(generation.clips.all())
    assert len(clips) == 2
    for clip in clips:
        assert near_tempo(clip.tempo_bpm, 96), clip.tempo_bpm
        assert clip.key in KEYS


@pytest.mark.usefixtures("pipeline")
@pytest.mark.parametrize(
    ("broken", "error"), [("read_mono", wave.Error), ("_chroma", RuntimeError)]
)
def test_an_analysis_that_fails_leaves_the_song_completed(
    team, owner, monkeypatch, broken, error, caplog
):
    def unreadable(*args, **kwargs):
        raise error("the analyser cannot read this WAV")

    monkeypatch.setattr(analysis, broken, unreadable)
    generation = song(team, owner)
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED, generation.error_message
    assert generation.error_message == ""
    for clip in generation.clips.all():
        assert (clip.tempo_bpm, clip.key) == (None, "")
        assert clip.loudness_lufs is not None and clip.wav.name  # the rest as always
    assert "tempo and key not analysed" in caplog.text


@pytest.mark.usefixtures("pipeline")
def test_storage_failing_the_analysis_leaves_the_song_completed(team, owner, monkeypatch):
    def broken_storage(*args, **kwargs):
        raise OSError("storage is down")

    monkeypatch.setattr("studio.songs.pipeline.media_files.analyse_stored", broken_storage)
    generation = song(team, owner)
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED, generation.error_message
    assert {clip.tempo_bpm for clip in generation.clips.all()} == {None}


# The backfill ---------------------------------------------------------------------------------


def clip_with_wav(generation: Generation, slot: str, data: bytes | None) -> Clip:
    clip = Clip.objects.create(generation=generation, slot=slot, clip_id=uuid.uuid4().hex)
    if data is not None:
        clip.wav.save(f"{generation.pk}-{slot}.wav", ContentFile(data))
    return clip


def backfill(*args) -> str:
    out = io.StringIO()
    call_command("analyse_tempo_key", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_backfill_analyses_clips_without_tempo_or_key_once(team, owner, media):
    generations = [
        Generation.objects.create(team=team, author=owner, prompt=f"song {i}", jobid=f"j{i}")
        for i in range(3)
    ]
    minor = progression([A_MINOR, D_MINOR, E_MAJOR, A_MINOR]) + 0.5 * clicks(96, 24.0)
    song_clip = clip_with_wav(generations[0], "A", wav_bytes(minor))
    beat = clip_with_wav(generations[0], "B", wav_bytes(clicks(128)))
    silent = clip_with_wav(generations[1], "A", wav_bytes(np.zeros(5 * RATE)))
    lost = clip_with_wav(generations[1], "B", wav_bytes(clicks(128)))
    lost.wav.storage.delete(lost.wav.name)
    no_wav = clip_with_wav(generations[2], "A", None)
    known = clip_with_wav(generations[2], "B", wav_bytes(clicks(128)))
    Clip.objects.filter(pk=known.pk).update(tempo_bpm=64.0, key="")

    report = backfill("--batch-size", "2")
    assert "2 of 4 clips read" in report and "4 of 4 clips read" in report  # progress
    assert "Analysed 2 clips (2 saved)" in report
    assert "1 had no tempo or key" in report and "1 WAV files missing" in report
    values = {c.pk: (c.tempo_bpm, c.key) for c in Clip.objects.all()}
    assert near_tempo(values[song_clip.pk][0], 96) and values[song_clip.pk][1] == "A minor"
    assert values[beat.pk][0] == pytest.approx(128, abs=1) and values[beat.pk][1] == ""
    assert values[silent.pk] == values[lost.pk] == values[no_wav.pk] == (None, "")
    assert values[known.pk] == (64.0, "")  # already analysed: not read again

    again = backfill()
    assert "Analysed 0 clips (0 saved)" in again  # only the silent and the lost are left
    assert {c.pk: (c.tempo_bpm, c.key) for c in Clip.objects.all()} == values

    assert "Analysed 3 clips (1 saved)" in backfill("--all")  # `known` corrected
    assert Clip.objects.get(pk=known.pk).tempo_bpm == values[beat.pk][0]


@pytest.mark.django_db
def test_the_backfill_with_nothing_to_do_says_so(media):
    assert "Nothing to analyse" in backfill()


# Shown, and filtered on -----------------------------------------------------------------------


def with_takes(generation: Generation, **takes: tuple[float | None, str]) -> Generation:
    for slot, (bpm, key) in takes.items():
        Clip.objects.filter(generation=generation, slot=slot).update(tempo_bpm=bpm, key=key)
    return generation


@pytest.mark.django_db
def test_each_take_shows_its_tempo_and_key(team, owner, media):
    generation = with_takes(make_song(team, owner, media=False), A=(96.3, "A minor"))
    view = generation_views([song_for_user(owner, generation.pk)])[0]
    takes = {take.clip.slot: (take.tempo_bpm, take.key) for take in view.clips}
    assert takes == {"A": (96.3, "A minor"), "B": (None, "")}


@pytest.mark.django_db
def test_the_library_filters_by_tempo_range_and_key(owner_client, team, owner):
    slow = with_takes(make_song(team, owner, media=False, age_minutes=4), A=(72.0, "A minor"))
    mid = with_takes(make_song(team, owner, media=False, age_minutes=3), B=(96.4, "C major"))
    # Take A is in the range, take B in the key: no take is both.
    split = with_takes(
        make_song(team, owner, media=False, age_minutes=2), A=(100.0, "D minor"), B=(140.0, "")
    )
    fast = with_takes(make_song(team, owner, media=False, age_minutes=1), A=(140.2, "A minor"))
    unknown = make_song(team, owner, media=False)

    def found(query: str) -> list[int]:
        return listed(owner_client.get(f"/?{query}"))

    everything = [unknown.pk, fast.pk, split.pk, mid.pk, slow.pk]
    assert found("") == everything
    assert found("tempo_from=90&tempo_to=100") == [split.pk, mid.pk]
    assert found("tempo_to=96") == [mid.pk, slow.pk]  # 96.4 shows as 96
    assert found("tempo_from=97") == [fast.pk, split.pk]
    assert found("key=A+minor") == [fast.pk, slow.pk]
    assert found("tempo_from=120&key=A+minor") == [fast.pk]
    assert found("tempo_from=90&tempo_to=110&key=D+minor") == [split.pk]
    assert found("tempo_from=130&key=D+minor") == []
    assert found("tempo_from=100&tempo_to=90") == found("tempo_from=90&tempo_to=100")
    # Nonsense filters nothing, as the other filters do.
    assert found("tempo_from=12") == found("key=H+major") == found("tempo_to=fast") == everything
    page = owner_client.get("/?key=A+minor").content.decode()
    assert "2 songs found" in page and ">Clear</a>" in page


@pytest.mark.django_db
def test_the_filter_form_has_labelled_tempo_and_key_inputs(owner_client, team, owner):
    make_song(team, owner, media=False)
    page = owner_client.get("/").content.decode()
    form = page[page.index('<form class="card filters"') :]
    form = form[: form.index("</form>")]
    for name, label in (("tempo_from", "Tempo from"), ("tempo_to", "Tempo to"), ("key", "Key")):
        assert f'name="{name}"' in form and f'for="id_{name}">{label}</label>' in form
    assert 'type="number" name="tempo_from"' in form and 'min="40"' in form and 'max="240"' in form
    options = form[form.index('name="key"') :]
    options = options[: options.index("</select>")]
    assert options.count("<option") == 25  # Any, and the 24 keys
    assert '<option value="F# major">F# major</option>' in options


@pytest.mark.django_db
def test_the_tempo_and_key_filters_make_as_many_queries_for_60_songs_as_for_5(client, media):
    # As tests/test_library_queries.py's pages, with tempos and keys (seeded clips have none).
    cache.clear()
    url = "/?tempo_from=90&tempo_to=110&key=C+major&kind=vocal"
    seed(5)
    Clip.objects.update(tempo_bpm=100.0, key="C major")
    client.force_login(get_user_model().objects.get(username=USERNAME.format(1)))
    small, listed_small = queries(client, url)
    seed(55)
    Clip.objects.filter(tempo_bpm__isnull=True).update(tempo_bpm=100.0, key="C major")
    large, listed_large = queries(client, url)
    assert listed_small >= 1 and listed_large > listed_small
    assert large == small
