"""Helpers for pipeline tests: run the real tasks against the simulator, synchronously."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone
from django_q.conf import Conf

from studio.flowmusic import FlowMusicClient
from studio.songs import services
from studio.songs.models import Generation
from studio.songs.pipeline import reconciler

Status = Generation.Status


@pytest.fixture
def sync_tasks(monkeypatch):
    """django-q2 runs each enqueued task at once, in the caller's thread."""
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def pipeline(simulator, sync_tasks, transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_URL = None
    return simulator


def song(team, author, prompt="lo-fi hip hop, mellow piano, 80 bpm", **fields) -> Generation:
    return services.create_generation(team=team, author=author, prompt=prompt, **fields)


def drive(until, timeout: float = 60.0, *, fast_polls: bool = True) -> None:
    """Run reconciler passes until `until()` holds; polls are made due at once when fast."""
    deadline = time.monotonic() + timeout
    with FlowMusicClient.from_settings() as client:
        while not until():
            if time.monotonic() > deadline:
                states = list(Generation.objects.values_list("pk", "status", "error_message"))
                raise AssertionError(f"pipeline did not settle: {states}")
            if fast_polls:
                Generation.objects.filter(status=Status.RUNNING).update(next_poll=timezone.now())
                Generation.objects.filter(status=Status.QUEUED).update(not_before=None)
            failed = reconciler.reconcile_once(client)
            assert not failed, f"reconcile steps raised (see the log): {failed}"
            time.sleep(0.05)


def settled() -> bool:
    return not Generation.objects.filter(status__in=Generation.ACTIVE).exists()


def accepted_refs(state) -> list[str]:
    """The replyRef of every POST /music the simulator accepted."""
    return [str((entry.json or {}).get("replyRef")) for entry in state.accepted_songs()]
