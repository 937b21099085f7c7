"""Stems of a take over HTTP against the simulator: made from a worker (never the web request),
asked again after a drop (the one safe resend), stored as four takes that add up to the source."""

from __future__ import annotations

import io
import wave
import zipfile

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.conf import Conf

from studio.songs import tasks
from studio.songs.models import Clip, Generation
from studio.songs.pipeline import recovery
from tests.pipeline import Status, drive, settled, song

pytestmark = pytest.mark.usefixtures("pipeline")
STEMS = ["drums", "bass", "vocals", "other"]


def finished(team, owner, **fields) -> Generation:
    lyrics = "[Verse]\nHeadlights on the empty road\n[Chorus]\nDrive until the morning glows"
    generation = song(
        team, owner, prompt="night drive synthwave, 100 bpm, single take", lyrics=lyrics, **fields
    )
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED, generation.error_message
    return generation


def stems_calls(state) -> list:
    return [
        entry
        for entry in state.requests
        if entry.route == "POST /music/edit" and (entry.json or {}).get("operation") == "stems"
    ]


def samples(clip: Clip) -> np.ndarray:
    with clip.wav.open("rb") as handle, wave.open(handle) as reader:
        data = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
        return data.reshape(-1, reader.getnchannels()).astype(np.int64)


def stems_job(take: Clip) -> Generation:
    return Generation.objects.get(source_clip=take, operation=Generation.Operation.STEMS)


def test_stems_come_from_a_worker_and_add_up_to_the_take(owner_client, team, owner, simulator):
    source = finished(team, owner, title="Night Drive")
    take = source.clips.get(slot="A")
    response = owner_client.post(reverse("take_stems", args=[take.pk]))
    assert response.status_code == 302 and response["Location"].endswith("#stems")
    drive(settled)
    job = stems_job(take)
    assert job.status == Status.COMPLETED, job.error_message
    assert job.account_email == source.account_email and job.origin_id == source.pk
    [call] = stems_calls(simulator.state)
    assert call.json["clip"] == take.clip_id and "email" not in call.json
    assert "mode" not in call.json and "replyUrl" not in call.json  # synchronous upstream
    stems = list(job.clips.order_by("pk"))
    assert [clip.slot for clip in stems] == STEMS
    assert [clip.title for clip in stems] == [f"Night Drive - {name}" for name in STEMS]
    for clip in stems:
        assert clip.wav and clip.audio and max(clip.peaks) > 0 and clip.loudness_lufs is not None
    total = sum(samples(clip) for clip in stems)
    assert np.abs(total - samples(take)).max() <= 8  # rounding of four int16 files
    page = owner_client.get(reverse("song", args=[source.pk])).content.decode()
    assert page.count('class="mixer-row"') == 4 and "Download stems (.zip)" in page
    archive = b"".join(owner_client.get(reverse("generation_zip", args=[job.pk])).streaming_content)
    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        names = bundle.namelist()
    assert sum(name.endswith(".wav") for name in names) == 4 and "request.json" in names


def test_a_dropped_stems_call_is_asked_again_and_stores_the_same_four(
    owner_client, team, owner, simulator
):
    source = finished(team, owner)
    take = source.clips.get(slot="A")
    simulator.state.inject("POST /music/edit", "accept_then_drop")
    owner_client.post(reverse("take_stems", args=[take.pk]))
    drive(settled)
    job = stems_job(take)
    assert job.status == Status.COMPLETED, job.error_message
    calls = stems_calls(simulator.state)
    assert len(calls) == 2 and calls[0].fault == "accept_then_drop"
    assert (
        job.clips.count() == 4 and Clip.objects.filter(generation__operation="stems").count() == 4
    )
    # Asking again from the page makes no second job: the stems are there.
    owner_client.post(reverse("take_stems", args=[take.pk]))
    assert Generation.objects.filter(operation="stems").count() == 1
    assert len(stems_calls(simulator.state)) == 2


def test_the_web_request_only_queues_the_stems(owner_client, team, owner, simulator):
    source = finished(team, owner)
    take = source.clips.get(slot="A")
    Conf.SYNC = False  # the view runs as in production: the task waits for a worker
    try:
        owner_client.post(reverse("take_stems", args=[take.pk]))
    finally:
        Conf.SYNC = True
    job = stems_job(take)
    assert job.status == Status.QUEUED and stems_calls(simulator.state) == []
    tasks.submit_generation(job.pk)  # the worker: claim, then its own stems task
    job.refresh_from_db()
    assert job.status == Status.COMPLETED, job.error_message


def test_a_stems_call_cut_short_by_a_dead_worker_is_asked_again(team, owner, simulator):
    source = finished(team, owner)
    take = source.clips.get(slot="A")
    job = Generation.objects.create(
        team=team, author=owner, operation="stems", source_clip=take, origin=source,
        account_choice=source.account_email, account_email=source.account_email,
        status=Status.SUBMITTING, submit_started=timezone.now() - recovery.STEMS_STALE * 2,
    )  # fmt: skip
    assert recovery.recover_stale_submissions() == 1
    job.refresh_from_db()
    assert job.status == Status.QUEUED  # never "unknown": asking again is safe for stems
    drive(settled)
    job.refresh_from_db()
    assert job.status == Status.COMPLETED and job.clips.count() == 4


def test_stems_on_an_account_in_error_fail_and_say_so(owner_client, team, owner, simulator):
    source = finished(team, owner, account_choice="bob@example.com")
    simulator.state.set_account("bob@example.com", error="refresh token rejected")
    take = source.clips.get(slot="A")
    owner_client.post(reverse("take_stems", args=[take.pk]))
    drive(settled)
    job = stems_job(take)
    assert job.status == Status.FAILED and "take's own account" in job.error_message
    page = owner_client.get(reverse("song", args=[source.pk])).content.decode()
    assert "Stems failed" in page
