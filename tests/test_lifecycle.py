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


def _names_status(node: ast.expr | None) -> bool:
    """A dict with a "status" key, or a list/tuple holding "status" (bulk_update's fields)."""
    if isinstance(node, ast.Dict):
        return any(isinstance(k, ast.Constant) and k.value == "status" for k in node.keys)
    if isinstance(node, ast.List | ast.Tuple):
        return any(isinstance(e, ast.Constant) and e.value == "status" for e in node.elts)
    return False


def _sets_status(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name == "setattr":
        return len(call.args) > 1 and getattr(call.args[1], "value", None) == "status"
    if name == "bulk_update":
        return any(_names_status(arg) for arg in call.args[1:]) or any(
            keyword.arg == "fields" and _names_status(keyword.value) for keyword in call.keywords
        )
    if name not in WRITERS and name not in JOB_MODELS:
        return False
    # status=…, defaults={"status": …} or **{"status": …}
    return any(
        keyword.arg == "status"
        or (keyword.arg in ("defaults", None) and _names_status(keyword.value))
        for keyword in call.keywords
    )


def _status_writes(path: Path, root: Path = STUDIO) -> list[str]:
    """Every place in `path` that sets a `status`: a keyword of a write call (or of a job
    model's constructor, or inside `defaults=` or `**{}`), a `setattr`, a `bulk_update` of
    the field, or an assignment to `.status`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and _sets_status(node):
            found.append(f"{path.relative_to(root)}:{node.lineno}")
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "status" for t in targets):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_the_scan_finds_a_status_write(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "Generation.objects.filter(pk=1).update(status='failed')\n"
        "CoverArtJob(status='failed')\n"
        "Thing.objects.update_or_create(pk=1, defaults={'status': 'x'})\n"
        "generation.status = 'completed'\n"
        "Generation.objects.filter(pk=1).update(**{'status': 'failed'})\n"
        "setattr(generation, 'status', 'failed')\n"
        "Generation.objects.bulk_update(jobs, ['status', 'error'])\n"
        "Generation.objects.bulk_update(jobs, fields=('status',))\n"
        # Not writes of a status:
        "Generation.objects.filter(status='failed').count()\n"
        "Generation.objects.bulk_update(jobs, ['error'])\n"
    )
    assert len(_status_writes(sample, root=tmp_path)) == 8


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
