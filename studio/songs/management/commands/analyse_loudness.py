"""`manage.py analyse_loudness`: measure the clips stored before loudness was measured at ingest.

Reads each clip's stored WAV (songs/pipeline/loudness.py) a batch at a time and saves its
integrated loudness and true peak. Idempotent: only clips without a loudness are read, so a
second run changes nothing; clips that cannot be measured (silence, under half a second, not
16-bit PCM, file missing) stay without one and are counted again each run.
"""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet

from studio.songs.models import Clip
from studio.songs.pipeline.loudness import UNMEASURED, Loudness, measure

FIELDS = ["loudness_lufs", "true_peak_db"]


def pending(everything: bool = False) -> QuerySet[Clip]:
    """Clips with a stored WAV and (unless `everything`) no loudness yet."""
    clips = Clip.objects.exclude(wav="")
    return clips if everything else clips.filter(loudness_lufs__isnull=True)


def measure_clip(clip: Clip) -> Loudness | None:
    """The clip's stored WAV measured; None when the file is not in storage."""
    storage, name = clip.wav.storage, clip.wav.name
    if not storage.exists(name):
        return None
    with storage.open(name, "rb") as handle:
        return measure(handle)


def apply(clip: Clip, result: Loudness | None) -> bool:
    """Set what was measured on `clip`; whether that changed anything."""
    if result is None or result == UNMEASURED:
        return False
    if (clip.loudness_lufs, clip.true_peak_db) == (result.lufs, result.true_peak_db):
        return False
    clip.loudness_lufs, clip.true_peak_db = result.lufs, result.true_peak_db
    return True


class Command(BaseCommand):
    help = "Measure the loudness (LUFS) and true peak (dBTP) of clips that have none yet."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument(
            "--all", action="store_true", dest="everything", help="measure every clip again"
        )

    def handle(self, *args, batch_size: int, everything: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        counts: Counter[str] = Counter()
        # Clips may share a file (a seeded library does): each file is read once.
        by_file: dict[str, Loudness | None] = {}
        clips = pending(everything).order_by("pk").only("pk", "wav", *FIELDS)
        last = 0
        while batch := list(clips.filter(pk__gt=last)[:batch_size]):
            last = batch[-1].pk
            changed = []
            for clip in batch:
                if clip.wav.name not in by_file:
                    by_file[clip.wav.name] = measure_clip(clip)
                result = by_file[clip.wav.name]
                counts[self._outcome(result)] += 1
                if apply(clip, result):
                    changed.append(clip)
            Clip.objects.bulk_update(changed, FIELDS)
            counts["saved"] += len(changed)
        self.stdout.write(self._report(counts))

    @staticmethod
    def _outcome(result: Loudness | None) -> str:
        if result is None:
            return "missing"
        return "measured" if result.lufs is not None else "unmeasurable"

    @staticmethod
    def _report(counts: Counter[str]) -> str:
        if not sum(counts.values()):
            return "Nothing to measure: every clip with a WAV has its loudness."
        return (
            f"Measured {counts['measured']} clips ({counts['saved']} saved); "
            f"{counts['unmeasurable']} could not be measured (silent, too short or not 16-bit "
            f"PCM); {counts['missing']} WAV files missing from storage."
        )
