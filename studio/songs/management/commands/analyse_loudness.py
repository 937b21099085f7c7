"""`manage.py analyse_loudness`: measure the clips stored before loudness was measured at ingest.

Reads each clip's stored WAV (songs/pipeline/loudness.py) a batch at a time and saves its
integrated loudness and true peak. Idempotent: only clips without a loudness are read, so a
second run changes nothing; clips that cannot be measured (silence, under half a second, not
16-bit PCM, file missing) stay without one and are counted again each run.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import QuerySet

from studio.songs.management.backfill import ClipBackfill
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


class Command(ClipBackfill):
    help = "Measure the loudness (LUFS) and true peak (dBTP) of clips that have none yet."
    fields = FIELDS
    default_batch = 200
    every_help = "measure every clip again"

    def pending(self, everything: bool) -> QuerySet[Clip]:
        return pending(everything)

    def read(self, clip: Clip) -> Loudness | None:
        return measure_clip(clip)

    def apply(self, clip: Clip, result: Loudness | None) -> bool:
        return apply(clip, result)

    def outcome(self, result: Loudness | None) -> str:
        if result is None:
            return "missing"
        return "measured" if result.lufs is not None else "unmeasurable"

    def report(self, counts: Counter[str]) -> str:
        if not sum(counts[name] for name in ("measured", "unmeasurable", "missing")):
            return "Nothing to measure: every clip with a WAV has its loudness."
        return (
            f"Measured {counts['measured']} clips ({counts['saved']} saved); "
            f"{counts['unmeasurable']} could not be measured (silent, too short or not 16-bit "
            f"PCM); {counts['missing']} WAV files missing from storage."
        )
