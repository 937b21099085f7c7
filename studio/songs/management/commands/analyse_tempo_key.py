"""`manage.py analyse_tempo_key`: the tempo and key of clips stored before they were analysed.

Reads each clip's stored WAV (songs/pipeline/analysis.py) a batch at a time, saves what it
finds and says how far it got after each batch. Idempotent: only clips with neither a tempo nor
a key are read (a clip with one of them was analysed: drums have no key), so a second run
changes nothing; clips with nothing to find (silence, under 4 seconds, no steady beat or clear
key, file missing) are read again each run. `--all` analyses every clip again.

librosa compiles on its first use (about 10 s): a run pays that once, before the first batch.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import QuerySet

from studio.songs.management.backfill import ClipBackfill
from studio.songs.models import Clip
from studio.songs.pipeline.analysis import UNANALYSED, Analysis
from studio.songs.pipeline.media_files import analyse_stored

FIELDS = ["tempo_bpm", "key"]
OUTCOMES = ("analysed", "unanalysable", "missing")


def pending(everything: bool = False) -> QuerySet[Clip]:
    """Clips with a stored WAV and (unless `everything`) neither a tempo nor a key yet."""
    clips = Clip.objects.exclude(wav="")
    return clips if everything else clips.filter(tempo_bpm__isnull=True, key="")


def apply(clip: Clip, result: Analysis | None) -> bool:
    """Set what was found on `clip`; whether that changed anything."""
    if result is None or result == UNANALYSED:
        return False
    found = (result.tempo_bpm, result.key or "")  # no key is "": a CharField
    if (clip.tempo_bpm, clip.key) == found:
        return False
    clip.tempo_bpm, clip.key = found
    return True


def outcome(result: Analysis | None) -> str:
    if result is None:
        return "missing"
    return "unanalysable" if result == UNANALYSED else "analysed"


class Command(ClipBackfill):
    help = "Analyse the tempo (BPM) and key of clips that have neither yet."
    fields = FIELDS

    def pending(self, everything: bool) -> QuerySet[Clip]:
        return pending(everything)

    def read(self, clip: Clip) -> Analysis | None:
        return analyse_stored(clip)

    def apply(self, clip: Clip, result: Analysis | None) -> bool:
        return apply(clip, result)

    def outcome(self, result: Analysis | None) -> str:
        return outcome(result)

    def report(self, counts: Counter[str]) -> str:
        if not sum(counts[name] for name in OUTCOMES):
            return "Nothing to analyse: every clip with a WAV has its tempo or key."
        return (
            f"Analysed {counts['analysed']} clips ({counts['saved']} saved); "
            f"{counts['unanalysable']} had no tempo or key to find (silent, too short, no steady "
            f"beat or clear key, or not 16-bit PCM); {counts['missing']} WAV files missing "
            "from storage."
        )
