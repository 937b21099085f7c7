"""The song page's Stems: for each take, its stems job — a button, its progress, or a mixer
of the four stems (Drums, Bass, Vocals, Other)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.urls import reverse

from studio.library.presenters import ClipView, generation_views
from studio.library.queries import listed_clips
from studio.songs.models import Clip, Generation

Operation = Generation.Operation
Status = Generation.Status


@dataclass
class TakeStems:
    take: Clip  # the take the stems are of
    job: Generation | None = None  # its latest stems job, if any
    rows: list[ClipView] = field(default_factory=list)  # completed: in mixer order
    zip_url: str = ""

    @property
    def ready(self) -> bool:
        return bool(self.rows)


@dataclass
class Stems:
    takes: list[TakeStems]
    active: bool  # a stems job is still running: the section keeps itself up to date

    @property
    def any(self) -> bool:
        return any(item.job for item in self.takes)


def _latest_jobs(takes: list[Clip]) -> dict[int, Generation]:
    jobs = (
        Generation.objects.filter(source_clip__in=takes, operation=Operation.STEMS)
        .exclude(status=Status.CANCELED)
        .select_related("author", "cover_art", "source_clip")
        .prefetch_related(Prefetch("clips", queryset=listed_clips()))
        .order_by("pk")
    )
    return {job.source_clip_id: job for job in jobs if job.source_clip_id}  # the newest wins


def stems_of(generation: Generation) -> Stems:
    """The Stems section of `generation`'s page: of its takes, or its own if it is stems."""
    if generation.operation == Operation.STEMS:
        source = generation.source_clip
        takes = [source] if source else []
        jobs = {source.pk: generation} if source else {}
    else:
        takes = [clip for clip in generation.clips.all() if clip.slot in Clip.TAKES]
        jobs = _latest_jobs(takes)
    done = [job for job in jobs.values() if job.status == Status.COMPLETED]
    views = {view.generation.pk: view for view in generation_views(done)}
    items = []
    for take in takes:
        job = jobs.get(take.pk)
        view = views.get(job.pk) if job else None
        rows = sorted(view.clips, key=lambda row: Clip.STEMS.index(row.clip.slot)) if view else []
        url = reverse("generation_zip", args=[job.pk]) if view and job else ""
        items.append(TakeStems(take, job, rows, url))
    return Stems(items, active=any(job.is_active for job in jobs.values()))
