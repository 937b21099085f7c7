"""The song pipeline against the simulator over HTTP: outcomes, exactly-once, capacity."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from studio.flowmusic import FlowMusicClient
from studio.songs import services, tasks
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import Activity, Clip, Generation, Lease
from studio.songs.pipeline import leases, reconciler, recovery, tracking
from tests.pipeline import Status, accepted_refs, drive, settled, song

pytestmark = pytest.mark.usefixtures("pipeline")


def test_a_song_goes_from_queued_to_completed_with_its_files(team, owner, simulator):
    generation = song(team, owner, lyrics="[Verse]\nCity lights\n[Chorus]\nMorning sun")
    generation.refresh_from_db()
    assert generation.status == Status.RUNNING and generation.jobid
    assert generation.request["mode"] == "async"
    assert generation.request["replyRef"] == str(generation.pk)
    assert "replyUrl" not in generation.request  # no PUBLIC_URL: polling only
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED, generation.error_message
    clips = list(generation.clips.order_by("slot"))
    assert [c.slot for c in clips] == ["A", "B"]
    for clip in clips:
        assert clip.title and clip.duration_s and clip.lyrics.startswith("[Verse]")
        assert len(clip.lyrics_timing) == 2
        assert clip.wav.name.endswith(".wav") and clip.audio.name.endswith(".m4a")
        assert clip.image.name.endswith(".jpg")
        assert len(clip.peaks) == 800 and max(clip.peaks) == 1.0
        assert clip.title.lower() in generation.search_text
    assert "city lights" in generation.search_text  # the lyrics are searchable
    assert len(simulator.state.accepted_songs()) == 1


def test_re_running_finished_tasks_is_a_no_op(team, owner, simulator):
    generation = song(team, owner)
    drive(settled)
    before = len(simulator.state.requests)
    tasks.submit_generation(generation.pk)
    tasks.check_job(generation.pk)
    tasks.ingest(generation.pk)
    assert len(simulator.state.requests) == before
    assert Generation.objects.get(pk=generation.pk).status == Status.COMPLETED
    # The team's activity says once that its author made it.
    made = Activity.objects.filter(verb=Activity.Verb.MADE)
    assert [(entry.actor, entry.generation_id) for entry in made] == [(owner, generation.pk)]


@pytest.mark.parametrize(
    ("account", "code", "words"),
    [
        ("carol@example.com", ErrorCode.NO_CREDITS, "top up"),
        ("broken@example.com", ErrorCode.ACCOUNT_ERROR, "refresh token rejected"),
        ("nobody@example.com", ErrorCode.BAD_REQUEST, ""),
    ],
)
def test_refusals_fail_with_a_message_the_user_can_act_on(team, owner, account, code, words):
    generation = song(team, owner, account_choice=account)
    generation.refresh_from_db()
    assert generation.status == Status.FAILED
    assert generation.error_code == code
    assert words in generation.error_message


def test_moderated_job_fails_with_the_upstream_reason(team, owner):
    generation = song(team, owner, prompt="something forbidden")
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Status.FAILED
    assert generation.error_code == ErrorCode.MODERATED
    assert generation.error_message.startswith("Flow Music's content filter blocked this song")
    assert "the model declined to generate audio" in generation.error_message
    assert "Change the prompt" in generation.error_message
    with pytest.raises(services.NotAllowed):  # the same words would be declined again
        services.retry(generation, owner)


def test_a_job_with_one_clip_completes(team, owner):
    generation = song(team, owner, prompt="ambient drone, single take")
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED
    assert list(generation.clips.values_list("slot", flat=True)) == ["A"]


def test_a_completed_job_without_clips_completes_empty(team, owner, simulator):
    generation = song(team, owner)
    generation.refresh_from_db()
    job = FlowMusicClient.from_settings().get_job(generation.jobid)
    tracking.apply_job(generation, replace(job, status="completed", clips=()))
    tasks.ingest(generation.pk)
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED and not generation.clips.exists()


def test_429_keeps_it_queued_until_retry_after_then_submits_once(team, owner, simulator):
    simulator.state.inject("POST /music", "429", count=2)
    generation = song(team, owner)
    generation.refresh_from_db()
    assert generation.status == Status.QUEUED and generation.rate_limited == 1
    # Retry-After (1 s) honoured: it waits at least that long after the attempt.
    assert generation.not_before - generation.submit_started >= timedelta(seconds=0.9)
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED and generation.rate_limited == 2
    assert accepted_refs(simulator.state) == [str(generation.pk)]


def test_exactly_once_through_429s_a_500_and_dropped_connections(team, owner, simulator):
    simulator.state.latency = 1.5  # long enough for adoption to see the job running
    for action in ("429", "429", "500", "drop", "accept_then_drop"):
        simulator.state.inject("POST /music", action)
    generations = [song(team, owner, prompt=f"song number {i}") for i in range(6)]
    drive(lambda: settled() and Generation.objects.filter(status=Status.COMPLETED).count() == 4)
    statuses = Counter(Generation.objects.values_list("status", flat=True))
    # 500 and a drop before processing: nothing reached a job, the user decides.
    assert statuses == {Status.COMPLETED: 4, Status.UNKNOWN: 2}, statuses
    refs = accepted_refs(simulator.state)
    assert len(refs) == len(set(refs)), "a generation was submitted twice"
    assert sorted(refs) == sorted(str(g.pk) for g in Generation.objects.filter(jobid__isnull=False))
    # The user retries the two unknown ones: fresh, deliberate submissions.
    for generation in Generation.objects.filter(status=Status.UNKNOWN):
        services.retry(generation, owner)
    drive(settled)
    superseded = set(Generation.objects.values_list("retried_from", flat=True)) - {None}
    live = Generation.objects.exclude(pk__in=superseded)
    assert live.count() == len(generations) == live.filter(status=Status.COMPLETED).count()
    refs = accepted_refs(simulator.state)
    assert len(refs) == len(set(refs)) == live.count()


def test_a_lost_answer_to_an_accepted_song_is_found_upstream_and_adopted(team, owner, simulator):
    simulator.state.latency = 2.0
    simulator.state.inject("POST /music", "accept_then_drop")
    generation = song(team, owner)
    generation.refresh_from_db()
    # Never shown as unknown: the job list had it, so the song simply goes on.
    assert generation.status == Status.RUNNING
    assert generation.jobid == simulator.state.accepted_songs()[0].jobid
    history = list(generation.events.values_list("to_status", flat=True))
    assert history == [Status.QUEUED, Status.SUBMITTING, Status.RUNNING]
    drive(lambda: Generation.objects.get(pk=generation.pk).status == Status.COMPLETED)
    assert len(simulator.state.accepted_songs()) == 1


def test_a_lost_answer_the_upstream_cannot_account_for_is_unknown(team, owner, simulator):
    simulator.state.inject("POST /music", "drop")  # dropped before the upstream made a job
    generation = song(team, owner)
    generation.refresh_from_db()
    assert generation.status == Status.UNKNOWN and generation.jobid is None
    assert "cannot tell whether" in generation.error_message
    lookups = [r for r in simulator.state.requests if r.route == "GET /jobs"]
    assert len(lookups) == recovery.LOOKUP_TRIES  # it looked before saying so
    assert not simulator.state.accepted_songs()


def test_a_stale_claim_becomes_unknown_and_is_never_resent(team, owner, simulator):
    simulator.state.latency = 30
    generation = song(team, owner)
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.SUBMITTING, jobid=None, submit_started=timezone.now() - timedelta(minutes=5)
    )
    # The claim is seen as interrupted, and its job (still running upstream) adopted.
    drive(lambda: Generation.objects.get(pk=generation.pk).status == Status.RUNNING)
    assert len(simulator.state.accepted_songs()) == 1  # only the original submission


def test_capacity_30_songs_on_an_account_with_max_jobs_2(team, owner, simulator):
    simulator.state.latency = 0.3
    for i in range(30):
        song(team, owner, prompt=f"capacity test {i % 3}", account_choice="bob@example.com")
    drive(settled, timeout=240)
    assert Generation.objects.filter(status=Status.COMPLETED).count() == 30
    assert simulator.state.max_running["bob@example.com"] <= 2
    refs = accepted_refs(simulator.state)
    assert len(refs) == len(set(refs)) == 30
    assert Clip.objects.count() == 60


def test_cancel_a_queued_song_never_sends_it(team, owner, simulator):
    simulator.state.inject("POST /music", "429")
    generation = song(team, owner)
    message = services.cancel(Generation.objects.get(pk=generation.pk))
    assert "no credits were spent" in message
    drive(settled)
    assert Generation.objects.get(pk=generation.pk).status == Status.CANCELED
    assert simulator.state.accepted_songs() == []


def test_cancel_a_running_song_deletes_the_job_and_warns(team, owner, simulator):
    simulator.state.latency = 30
    generation = song(team, owner)
    message = services.cancel(Generation.objects.get(pk=generation.pk))
    assert "credits may still be spent" in message
    assert any(r.method == "DELETE" for r in simulator.state.requests)
    assert Generation.objects.get(pk=generation.pk).status == Status.CANCELED


def test_a_job_unknown_upstream_after_its_retention_fails_as_expired(team, owner, simulator):
    simulator.state.latency = 30
    generation = song(team, owner)
    generation.refresh_from_db()
    FlowMusicClient.from_settings().cancel_job(generation.jobid)  # upstream forgets it
    Generation.objects.filter(pk=generation.pk).update(accepted=timezone.now() - timedelta(days=8))
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Status.FAILED and "Expired upstream" in generation.error_message


def test_only_one_reconciler_loops_and_a_dead_ones_lease_runs_out(simulator):
    assert leases.take("reconciler", "worker-1", reconciler.LEASE)
    assert not leases.take("reconciler", "worker-2", reconciler.LEASE)
    # worker-1 dies without releasing: its short lease expires and another takes over.
    Lease.objects.filter(name="reconciler").update(expires=timezone.now())
    assert leases.take("reconciler", "worker-2", reconciler.LEASE)
    assert not leases.renew("reconciler", "worker-1", reconciler.LEASE)
    reconciler.run(seconds=0.2)  # worker-3 sees the lease held and returns at once
    assert Lease.objects.get(name="reconciler").holder == "worker-2"
