"""A 200 MB WAV (20 minutes of 16-bit stereo at 44.1 kHz) exported to MP3, FLAC and tagged WAV.

Each export runs in this process (its own, started by `manage.py bench`) the way the first
download of it does: clip_export encodes or copies, tags, and moves the file into storage. For
each: wall time, and peak memory growth, VmHWM after minus VmRSS before, with the high-water
mark reset first where the kernel allows (/proc/self/clear_refs); else ru_maxrss. Memory must
stay flat: a few MB of buffers, not the 200 MB file. Then the re-use: the second request's
lookup, which must not encode again.
"""

from __future__ import annotations

import resource
import time
import uuid
from pathlib import Path

import av
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from studio.library import exports
from studio.ops.bench.common import figure
from studio.ops.bench.media import SIZE, write_big_wav
from studio.songs import lifecycle
from studio.songs.models import Clip
from studio.teams.models import Membership, Team

FORMATS = ("mp3", "flac", "wav")


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_kb() -> int:
    try:
        return _status_kb("VmHWM")
    except (OSError, KeyError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux


def _clip(name: str) -> Clip:
    """A completed take whose WAV is the big file, with the author and team its tags name."""
    team = Team.objects.create(name="Bench exports")
    user = get_user_model().objects.create(
        username=f"bench-exports-{uuid.uuid4().hex[:8]}", password=make_password(None)
    )
    Membership.objects.create(user=user, team=team, role=Membership.Role.OWNER)
    generation = lifecycle.seeded_completed(
        team=team, author=user, prompt="a very long take", model="lyria-3-pro"
    )
    generation.save()
    clip = Clip.objects.create(
        generation=generation, slot="A", clip_id=uuid.uuid4().hex, title="Long take", wav=name
    )
    return Clip.objects.select_related("generation__team", "generation__author").get(pk=clip.pk)


def _seconds(path: Path) -> float:
    """The duration the container states (for MP3, from the LAME header written at the end)."""
    with av.open(str(path)) as container:
        return (container.duration or 0) / av.time_base


def run() -> None:
    name = "bench/exports.wav"
    source = Path(settings.MEDIA_ROOT) / name
    write_big_wav(source)
    clip = _clip(name)
    audio_s = (source.stat().st_size - 44) / (44100 * 4)
    figure("exports.source", source.stat().st_size / 1e6, "MB WAV", f"~{SIZE / 1e6:.0f} MB")
    exact = _reset_peak()
    note = "" if exact else " (peak since start: clear_refs not allowed)"
    for fmt in FORMATS:
        _reset_peak()
        before = _status_kb("VmRSS")
        started = time.perf_counter()
        stored = exports.clip_export(clip, fmt)
        elapsed = time.perf_counter() - started
        peak = max(0, _peak_kb() - before)
        path = Path(stored.path)
        figure(f"exports.{fmt}.time", elapsed, "s", "— (first download only)")
        figure(f"exports.{fmt}.speed", audio_s / elapsed, "x realtime")
        figure(f"exports.{fmt}.peak_rss", peak, f"KB{note}", "flat, a few MB, not 200 MB")
        figure(f"exports.{fmt}.size", path.stat().st_size / 1e6, "MB")
        if fmt != "wav":
            figure(f"exports.{fmt}.duration_error", abs(_seconds(path) - audio_s), "s", "≤ 0.05")
        started = time.perf_counter()
        exports.clip_export(clip, fmt)
        figure(f"exports.{fmt}.reuse", (time.perf_counter() - started) * 1000, "ms", "no encode")
        path.unlink()
    source.unlink()
