"""Projects (DESIGN §3): a team's named, ordered collections of takes, and the only code that
changes them.

An item's position is its track number: 1..n, no twins (a take deleted from the library
leaves a gap, which the next move or removal closes). Every change to a project's items runs in
one transaction that first locks the project's row, so members adding, moving and removing
takes at the same time are applied one after the other, each on the order the previous one
left (on SQLite, whose transactions start IMMEDIATE, the database lock does it).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from studio.songs import activity
from studio.songs.models import Clip
from studio.together.models import Project, ProjectItem


class OtherTeamError(ValueError):
    """A take of another team: it can never be in this team's project."""


def create(team, author, name: str, description: str = "") -> Project:
    project = Project.objects.create(team=team, author=author, name=name, description=description)
    activity.record(
        activity.Verb.PROJECT_CREATED, author, team=team, subject=project.name, project=project.pk
    )
    return project


def rename(project: Project, name: str, description: str) -> None:
    project.name, project.description, project.updated = name, description, timezone.now()
    project.save(update_fields=["name", "description", "updated"])


def delete(project: Project) -> None:
    """The project and its items go; the takes stay in the library."""
    project.delete()


def _locked(project: Project) -> None:
    """Inside a transaction: mark the project changed. The UPDATE holds the row's lock until
    the transaction ends, so the project's other edits wait for this one."""
    Project.objects.filter(pk=project.pk).update(updated=timezone.now())


def add(project: Project, clip: Clip, user) -> tuple[ProjectItem, bool]:
    """The take at the end of the project; or, when it is there already, its item and False."""
    if clip.generation.team_id != project.team_id:
        raise OtherTeamError("This take belongs to another team.")
    with transaction.atomic():
        _locked(project)
        existing = ProjectItem.objects.filter(project=project, clip=clip).first()
        if existing is not None:
            return existing, False
        # After the last one (a take deleted from the library may have left a gap: the next
        # move or removal closes it).
        last = ProjectItem.objects.filter(project=project).aggregate(last=Max("position"))["last"]
        position = (last or 0) + 1
        item = ProjectItem.objects.create(
            project=project, clip=clip, position=position, added_by=user
        )
    activity.record(
        activity.Verb.PROJECT_ADDED, user, clip=clip, project=project.pk, name=project.name
    )
    return item, True


def _ordered(project: Project) -> list[ProjectItem]:
    return list(ProjectItem.objects.filter(project=project).only("pk", "position", "project_id"))


def _renumber(items: list[ProjectItem]) -> None:
    """Positions 1..n in this order; only the rows whose number changes are written."""
    changed = []
    for number, item in enumerate(items, start=1):
        if item.position != number:
            item.position = number
            changed.append(item)
    ProjectItem.objects.bulk_update(changed, ["position"])


def renumber(project: Project) -> None:
    """Close any gap or tie in the numbering, keeping the order."""
    with transaction.atomic():
        _locked(project)
        _renumber(_ordered(project))


def move(item: ProjectItem, to: int) -> int | None:
    """Put the item at position `to` (kept within 1..n), the others shifting to make room.

    Returns its new position; None when it was removed in the meantime.
    """
    return _reorder(item, lambda now: to)


def step(item: ProjectItem, direction: str) -> int | None:
    """Move the item one place "up" (earlier) or "down", from where it is now."""
    return _reorder(item, lambda now: now - 1 if direction == "up" else now + 1)


def _reorder(item: ProjectItem, where: Callable[[int], int]) -> int | None:
    """Move the item to where(its place now, counted 1..n in the current order)."""
    with transaction.atomic():
        _locked(item.project)
        items = _ordered(item.project)
        at = next((i for i, other in enumerate(items) if other.pk == item.pk), None)
        if at is None:
            return None
        moving = items.pop(at)
        target = min(max(where(at + 1), 1), len(items) + 1)
        items.insert(target - 1, moving)
        _renumber(items)
    item.position = target
    return target


def remove(item: ProjectItem) -> None:
    """The take leaves the project; the ones after it move up a place."""
    with transaction.atomic():
        _locked(item.project)
        ProjectItem.objects.filter(pk=item.pk).delete()
        _renumber(_ordered(item.project))
