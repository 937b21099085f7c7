"""django-q2 entry points for cover art. Each takes an id and is a no-op once done."""

from __future__ import annotations

from django_q.tasks import async_task


def enqueue(name: str, *args) -> None:
    async_task(f"studio.songs.cover_tasks.{name}", *args, task_name=f"{name} {args}"[:100])


def generate_cover_art(job_id: int) -> None:
    from studio.songs import covers  # covers enqueues through this module

    covers.run_job(job_id)
