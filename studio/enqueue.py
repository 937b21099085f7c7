"""Queue a background task by name. A leaf: it imports no app code, so any module may call it
without import cycles; the task functions themselves live in studio/songs/tasks.py."""

from __future__ import annotations

from django_q.tasks import async_task

TASKS = "studio.songs.tasks"


def enqueue(name: str, *args: object) -> None:
    """Run `studio.songs.tasks.<name>(*args)` on a worker; pass ids, never model instances."""
    async_task(f"{TASKS}.{name}", *args, task_name=f"{name} {args}"[:100])
