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

from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet

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


class Command(BaseCommand):
    help = "Analyse the tempo (BPM) and key of clips that have neither yet."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=100)
        parser.add_argument(
            "--all", action="store_true", dest="everything", help="analyse every clip again"
        )

    def handle(self, *args, batch_size: int, everything: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        clips = pending(everything).order_by("pk").only("pk", "wav", *FIELDS)
        total = clips.count()
        counts: Counter[str] = Counter()
        # Clips may share a file (a seeded library does): each file is read once.
        by_file: dict[str, Analysis | None] = {}
        last = 0
        while batch := list(clips.filter(pk__gt=last)[:batch_size]):
            last = batch[-1].pk
            changed = []
            for clip in batch:
                if clip.wav.name not in by_file:
                    by_file[clip.wav.name] = analyse_stored(clip)
                result = by_file[clip.wav.name]
                counts[outcome(result)] += 1
                if apply(clip, result):
                    changed.append(clip)
            Clip.objects.bulk_update(changed, FIELDS)
            counts["saved"] += len(changed)
            self.stdout.write(f"{sum(counts[n] for n in OUTCOMES)} of {total} clips read…")
        self.stdout.write(self._report(counts))

    @staticmethod
    def _report(counts: Counter[str]) -> str:
        if not sum(counts[name] for name in OUTCOMES):
            return "Nothing to analyse: every clip with a WAV has its tempo or key."
        return (
            f"Analysed {counts['analysed']} clips ({counts['saved']} saved); "
            f"{counts['unanalysable']} had no tempo or key to find (silent, too short, no steady "
            f"beat or clear key, or not 16-bit PCM); {counts['missing']} WAV files missing "
            "from storage."
        )
