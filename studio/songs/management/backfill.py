"""What the `analyse_*` backfill commands share: read each stored WAV of the clips that lack a
value, a batch at a time, save what changed, and say how far it got and what it found."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet

from studio.songs.models import Clip


class ClipBackfill(BaseCommand):
    """Subclasses name their columns and say how to find, read and apply a value."""

    fields: list[str]
    default_batch = 100
    every_help = "analyse every clip again"

    def pending(self, everything: bool) -> QuerySet[Clip]:
        raise NotImplementedError

    def read(self, clip: Clip) -> Any:
        """What the clip's stored WAV gives; None when the file is not in storage."""
        raise NotImplementedError

    def apply(self, clip: Clip, result: Any) -> bool:
        """Set `result` on `clip`; whether that changed anything."""
        raise NotImplementedError

    def outcome(self, result: Any) -> str:
        raise NotImplementedError

    def report(self, counts: Counter[str]) -> str:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=self.default_batch)
        parser.add_argument("--all", action="store_true", dest="everything", help=self.every_help)

    def handle(self, *args, batch_size: int, everything: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        clips = self.pending(everything).order_by("pk").only("pk", "wav", *self.fields)
        total = clips.count()
        counts: Counter[str] = Counter()
        # Clips may share a file (a seeded library does): each file is read once.
        by_file: dict[str, Any] = {}
        last = read = 0
        while batch := list(clips.filter(pk__gt=last)[:batch_size]):
            last = batch[-1].pk
            changed = []
            for clip in batch:
                if clip.wav.name not in by_file:
                    by_file[clip.wav.name] = self.read(clip)
                result = by_file[clip.wav.name]
                counts[self.outcome(result)] += 1
                if self.apply(clip, result):
                    changed.append(clip)
            Clip.objects.bulk_update(changed, self.fields)
            counts["saved"] += len(changed)
            read += len(batch)
            self.stdout.write(f"{read} of {total} clips read…")
        self.stdout.write(self.report(counts))
