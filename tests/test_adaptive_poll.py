"""Polling without a webhook (pipeline/polling.py): the first look comes near the expected finish,
learned from the last jobs of the same kind; after it the wait grows ×1.5 up to 30 s."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from studio.flowmusic import Job
from studio.songs import lifecycle
from studio.songs.models import Generation
from studio.songs.pipeline import polling, tracking
from studio.songs.pipeline.acceptance import record_accepted

Status = Generation.Status
pytestmark = pytest.mark.django_db


def _ran(team, owner, seconds: float, operation: str = Generation.Operation.SONG) -> None:
    """A completed job that ran `seconds` upstream."""
    generation = lifecycle.create(team=team, author=owner, prompt="history", operation=operation)
    accepted = timezone.now() - timedelta(minutes=10)
    Generation.objects.filter(pk=generation.pk).update(
        status=Status.COMPLETED,
        accepted=accepted,
        upstream_completed=accepted + timedelta(seconds=seconds),
        finished=accepted + timedelta(seconds=seconds + 1),
    )


def _job(jobid: str, status: str = "created") -> Job:
    return Job(jobid, "alice@example.com", status, timezone.now(), None, None, (), None)


def test_the_first_look_without_history_is_the_default(team, owner):
    assert polling.first_look(Generation.Operation.SONG) == polling.FIRST_LOOK == 5.0
    for seconds in (40, 41, 42, 43):  # too few to go by
        _ran(team, owner, seconds)
    assert polling.first_look(Generation.Operation.SONG) == polling.FIRST_LOOK


def test_the_first_look_is_the_lower_quartile_of_recent_runs_of_the_same_kind(team, owner):
    for seconds in range(60, 80):
        _ran(team, owner, seconds, Generation.Operation.EXTEND)
    for seconds in range(10, 30):  # 20 songs, 10 s to 29 s
        _ran(team, owner, seconds)
    assert polling.first_look(Generation.Operation.SONG) == 15.0
    assert polling.first_look(Generation.Operation.EXTEND) == 65.0


def test_only_the_last_runs_count(team, owner):
    for _ in range(polling.HISTORY):
        _ran(team, owner, 100)
    for _ in range(polling.HISTORY):  # the upstream got faster
        _ran(team, owner, 20)
    assert polling.first_look(Generation.Operation.SONG) == 20.0


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(-30, polling.MIN_FIRST_LOOK), (0.05, polling.MIN_FIRST_LOOK), (3600, polling.MAX_FIRST_LOOK)],
)
def test_the_first_look_stays_within_bounds(team, owner, seconds, expected):
    for _ in range(polling.MIN_HISTORY):  # e.g. a skewed upstream clock, a stuck upstream
        _ran(team, owner, seconds)
    assert polling.first_look(Generation.Operation.SONG) == expected


def test_after_the_first_look_the_wait_grows_by_half_up_to_30_seconds():
    waits, wait = [], polling.BACKOFF_FROM
    for _ in range(10):
        wait = polling.next_interval(wait)
        waits.append(round(wait, 2))
    assert waits == [1.5, 2.25, 3.38, 5.06, 7.59, 11.39, 17.09, 25.63, 30.0, 30.0]


def test_an_accepted_job_is_first_looked_at_near_its_expected_finish(team, owner):
    for seconds in range(10, 30):
        _ran(team, owner, seconds)
    generation = lifecycle.create(team=team, author=owner, prompt="new song")
    lifecycle.claim(generation.pk, "alice@example.com")
    assert record_accepted(generation, _job("job-new"), "alice@example.com")
    generation.refresh_from_db()
    assert generation.status == Status.RUNNING
    waited = (generation.next_poll - generation.accepted).total_seconds()
    assert waited == pytest.approx(15.0, abs=0.01)

    tracking.apply_job(generation, _job("job-new", "started"))  # still running: 1.5 s
    generation.refresh_from_db()
    assert generation.poll_interval == 1.5
    waited = (generation.next_poll - timezone.now()).total_seconds()
    assert 1.0 < waited <= 1.5
    tracking.apply_job(generation, _job("job-new", "started"))
    generation.refresh_from_db()
    assert generation.poll_interval == 2.25
