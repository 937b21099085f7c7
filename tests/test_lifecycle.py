"""One module moves a job's status: guarded moves, their History, and a scan that keeps it so."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from studio.songs import lifecycle
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import Generation, GenerationEvent
from studio.songs.queue.history import attach_history
from tests.pipeline import drive, settled, song

Status = Generation.Status
STUDIO = Path(__file__).resolve().parent.parent / "studio"
LIFECYCLE = STUDIO / "songs" / "lifecycle.py"
# No job models there: the simulator is the upstream's side of the wire (its jobs are not
# ours), and the clients' `status` is an HTTP status.
NOT_OURS = {STUDIO / name for name in ("simulator", "upstream", "flowmusic", "rsflowhub")}
WRITERS = {"update", "create", "get_or_create", "update_or_create", "bulk_create"}
JOB_MODELS = {"Generation", "CoverArtJob", "LyricsDraft"}


def _status_writes(path: Path) -> list[str]:
    """Every place in `path` that sets a `status`: a keyword of a write call (or of a job
    model's constructor, or inside `defaults=`), or an assignment to `.status`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in WRITERS or name in JOB_MODELS:
                for keyword in node.keywords:
                    defaults = keyword.value if keyword.arg == "defaults" else None
                    keys = defaults.keys if isinstance(defaults, ast.Dict) else []
                    if keyword.arg == "status" or any(
                        isinstance(key, ast.Constant) and key.value == "status" for key in keys
                    ):
                        found.append(f"{path.relative_to(STUDIO)}:{node.lineno}")
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "status" for t in targets):
                found.append(f"{path.relative_to(STUDIO)}:{node.lineno}")
    return found


def test_the_scan_finds_a_status_write(tmp_path):
    sample = STUDIO / "songs" / "_scan_sample.py"
    sample.write_text(
        "Generation.objects.filter(pk=1).update(status='failed')\n"
        "CoverArtJob(status='failed')\n"
        "Thing.objects.update_or_create(pk=1, defaults={'status': 'x'})\n"
        "generation.status = 'completed'\n"
    )
    try:
        assert len(_status_writes(sample)) == 4
    finally:
        sample.unlink()


def test_only_the_lifecycle_module_writes_a_status():
    writes = [
        place
        for path in sorted(STUDIO.rglob("*.py"))
        if "migrations" not in path.parts
        and path != LIFECYCLE
        and not any(path.is_relative_to(folder) for folder in NOT_OURS)
        for place in _status_writes(path)
    ]
    assert writes == []
    assert _status_writes(LIFECYCLE), "the scan no longer sees the writes it guards"


@pytest.mark.django_db
def test_a_move_from_a_status_it_does_not_allow_loses_and_records_nothing(team, owner):
    generation = lifecycle.create(team=team, author=owner, prompt="a beat")
    assert not lifecycle.complete(generation.pk)  # queued → completed is not a move
    assert not lifecycle.mark_fetching(
        generation.pk, result={}, completed_at=generation.created, lease=timedelta(0)
    )
    assert lifecycle.claim(generation.pk, "alice@example.com")
    assert not lifecycle.claim(generation.pk, "bob@example.com")  # a second claim loses
    generation.refresh_from_db()
    assert (
        generation.status == Status.SUBMITTING and generation.account_email == "alice@example.com"
    )
    moves = list(generation.events.values_list("from_status", "to_status", "detail"))
    assert moves == [
        ("", Status.QUEUED, ""),
        (Status.QUEUED, Status.SUBMITTING, "sent to alice@example.com"),
    ]


@pytest.mark.django_db
def test_only_from_narrows_a_move(team, owner):
    generation = lifecycle.create(team=team, author=owner, prompt="a beat")
    assert not lifecycle.cancel(generation.pk, "stop", only_from=Status.RUNNING)
    assert lifecycle.cancel(generation.pk, "stop", only_from=Status.QUEUED)
    assert not lifecycle.fail(generation.pk, ErrorCode.DOWNLOAD, "late")  # canceled is final
    assert Generation.objects.get(pk=generation.pk).status == Status.CANCELED


def test_every_move_starts_and_ends_in_real_statuses():
    for allowed, to_status in lifecycle.MOVES.values():
        assert to_status in Status.values and allowed <= set(Status.values)
    assert lifecycle.CANCELABLE == {Status.QUEUED, Status.RUNNING}
    assert lifecycle.RETRYABLE.isdisjoint(Generation.ACTIVE)


def test_a_song_history_reads_like_what_happened(pipeline, team, owner):
    pipeline.state.inject("POST /music", "429", count=1)
    generation = song(team, owner)
    drive(settled)
    events = list(GenerationEvent.objects.filter(generation=generation))
    assert [e.to_status for e in events] == [
        Status.QUEUED,
        Status.SUBMITTING,
        Status.QUEUED,
        Status.SUBMITTING,
        Status.RUNNING,
        Status.FETCHING,
        Status.COMPLETED,
    ]
    attach_history([generation])
    texts = [line.text for line in generation.history]  # type: ignore[attr-defined]
    assert texts[0] == "queued" and texts[2] == "429, retry in 1 s"
    assert texts[1].startswith("sent to ") and texts[-3:] == [
        "generating",
        "saving files",
        "completed",
    ]


def test_the_queue_shows_each_history_live(owner_client, pipeline, team, owner):
    generation = song(team, owner, prompt="a moderated song: something forbidden")
    drive(settled)
    fragment = owner_client.get(reverse("queue_list"), HTTP_HX_REQUEST="true").content.decode()
    item = fragment[fragment.index(f'data-generation="{generation.pk}"') :]
    start = item.index("data-history")
    history = item[start : item.index("</p>", start)]
    assert "queued" in history and "generating" in history
    assert "failed (blocked by the content filter)" in history
