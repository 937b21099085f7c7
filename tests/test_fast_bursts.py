"""Fast bursts (issue 17): files are stored on their own cluster, so tracking never waits behind
a download, and a webhook that beats POST /music's answer is kept, not dropped."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Task

from studio import enqueue as enqueueing
from studio.enqueue import INGEST, enqueue
from studio.flowmusic import Job
from studio.songs import lifecycle
from studio.songs.models import Generation
from studio.songs.pipeline import dispatch, leases, webhooks
from studio.songs.pipeline.acceptance import record_accepted
from tests.pipeline import song
from tests.workers import (
    assert_each_sent_once,
    cluster_env,
    complete_with,
    purge_queues,
    start_clusters,
)

Status = Generation.Status
MAIN = Conf.PREFIX
BURST = 24


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, tuple, str]]:
    """What was enqueued: (task name, its arguments, the cluster it went to)."""
    sent: list[tuple[str, tuple, str]] = []

    def async_task(func: str, *args, cluster: str, **_options) -> None:
        sent.append((func.rsplit(".", 1)[-1], args, cluster))

    monkeypatch.setattr(enqueueing, "async_task", async_task)
    return sent


@pytest.mark.parametrize("inside", [MAIN, INGEST])
def test_storing_tasks_go_to_the_ingest_cluster_and_the_rest_to_the_main_one(
    queued, monkeypatch, inside
):
    monkeypatch.setattr(Conf, "CLUSTER_NAME", inside)  # queued from a worker of either cluster
    tracking = ["submit_generation", "check_job", "reconcile", "make_stems", "write_lyrics"]
    for name in [*tracking, "generate_cover_art", "ingest"]:
        enqueue(name, 7)
    clusters = {name: cluster for name, _args, cluster in queued}
    assert clusters == {
        **dict.fromkeys(tracking, MAIN),
        "generate_cover_art": MAIN,
        "ingest": INGEST,
    }


def _submitting(team, owner) -> Generation:
    generation = lifecycle.create(team=team, author=owner, prompt="a quick job")
    assert lifecycle.claim(generation.pk, "alice@example.com")
    return Generation.objects.get(pk=generation.pk)


def _accept(generation: Generation) -> bool:
    job = Job(f"job-{generation.pk}", "alice@example.com", "created", None, None, None, (), None)
    return record_accepted(generation, job, "alice@example.com")


def _webhook(client, generation: Generation):
    return client.post(f"/hooks/flowmusic/{generation.webhook_token}/", data={"status": "done"})


@pytest.mark.django_db
def test_a_webhook_before_the_jobid_is_kept_and_looked_at_once_accepted(
    client, team, owner, queued
):
    generation = _submitting(team, owner)
    assert _webhook(client, generation).status_code == 200
    assert queued == []  # no jobid to look at yet
    assert Generation.objects.get(pk=generation.pk).status == Status.SUBMITTING

    assert _accept(generation)
    assert queued == [("check_job", (generation.pk,), MAIN)]  # at once, not at the first poll


@pytest.mark.django_db
def test_without_an_early_webhook_the_job_waits_for_its_first_look(client, team, owner, queued):
    generation = _submitting(team, owner)
    assert _accept(generation)
    generation.refresh_from_db()
    assert queued == [] and generation.next_poll > timezone.now()

    assert _webhook(client, generation).status_code == 200  # running now: looked at at once
    assert queued == [("check_job", (generation.pk,), MAIN)]


@pytest.mark.django_db
def test_a_webhook_racing_the_jobid_is_looked_at_either_way(
    client, team, owner, queued, monkeypatch
):
    """The view read `submitting`, but the jobid is stored before it can keep the webhook."""
    generation = _submitting(team, owner)
    keep = webhooks.early_webhook

    def accepted_meanwhile(pk: int) -> bool:
        assert _accept(generation)
        return keep(pk)

    monkeypatch.setattr(webhooks, "early_webhook", accepted_meanwhile)
    assert _webhook(client, generation).status_code == 200
    assert queued == [("check_job", (generation.pk,), MAIN)]


@pytest.mark.django_db(transaction=True)
def test_a_burst_with_both_clusters_completes_once_each(
    simulator, live_server, settings, team, owner, tmp_path
):
    """Real processes, as `make run` starts them, with webhooks over real HTTP."""
    settings.PUBLIC_URL = live_server.url  # the webhook view runs here, in the test's server
    purge_queues()
    clusters = start_clusters(
        cluster_env(simulator, tmp_path / "data", PUBLIC_URL=live_server.url),
        tmp_path / "data" / "workers.log",
    )
    made = [song(team, owner, prompt=f"burst song {n}") for n in range(BURST)]
    complete_with(clusters, made, timeout=180)

    assert_each_sent_once(simulator, BURST)
    assert any(a.status == 200 for a in simulator.state.webhook_log)
    # Each task ran where it belongs, and none failed.
    ran = Counter((t.func.rsplit(".", 1)[-1], t.cluster, t.success) for t in Task.objects.all())
    assert ran[("ingest", INGEST, True)] >= BURST
    assert not [key for key in ran if not key[2]]
    assert {cluster for (name, cluster, _ok) in ran if name != "ingest"} == {MAIN}
    assert leases.last_beat(leases.INGEST_HEARTBEAT) is not None  # for /healthz


@pytest.mark.django_db
def test_a_burst_is_sent_no_faster_than_its_files_are_stored(team, owner):
    fetching = []
    for n in range(dispatch.INGEST_ROOM):
        generation = lifecycle.create(team=team, author=owner, prompt=f"done upstream {n}")
        fetching.append(generation.pk)
    rows = Generation.objects.filter(pk__in=fetching)
    rows.update(status=Status.FETCHING, upstream_completed=timezone.now())
    assert dispatch.send_room() == 0  # the next songs wait in the queue meanwhile
    rows.filter(pk=fetching[0]).update(fetch_attempts=2)  # a retry, waiting: not in the way
    rows.filter(pk=fetching[1]).update(upstream_completed=timezone.now() - timedelta(hours=1))
    assert dispatch.send_room() == 2  # nor is a song stuck for long
    rows.update(status=Status.COMPLETED)
    assert dispatch.send_room() == dispatch.INGEST_ROOM
    _submitting(team, owner)  # a song just sent may be done upstream before anyone looks
    assert dispatch.send_room() == dispatch.INGEST_ROOM - 1
