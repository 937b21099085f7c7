"""A 200 MB WAV through the app's clip view and through whitenoise, side by side.

Both are gunicorn processes (one worker) on spare ports. For each answer: wall time of the
download (streamed and discarded by the client) and the worker's peak memory during it: VmHWM
after the request minus VmRSS before it, with the high-water mark reset first where the kernel
allows (/proc/<pid>/clear_refs).
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
import wave
from pathlib import Path

import httpx
import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client

from studio.ops.bench.common import child_env, figure, gunicorn, spare_port
from studio.songs import lifecycle
from studio.songs.models import Clip
from studio.teams.models import Membership, Team

SIZE = 200 * 1024 * 1024
RANGE_LENGTH = 1024 * 1024
REPEATS = 3
PAGE_KB = 4
RATE = 44100


def write_big_wav(path: Path, size: int = SIZE) -> None:
    """A real 16-bit stereo WAV of `size` bytes, written a second of audio at a time."""
    frames = (size - 44) // 4
    t = np.arange(RATE) / RATE
    second = (np.sin(2 * np.pi * 220 * t) * 8000).astype("<i2")
    block = np.repeat(second, 2).tobytes()  # both channels
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.setnframes(frames)
        left = frames
        while left > 0:
            count = min(left, RATE)
            out.writeframes(block[: count * 4])
            left -= count


def _clip_and_session(name: str) -> tuple[int, str]:
    """A clip pointing at the big WAV, owned by a bench user; and that user's session cookie."""
    team = Team.objects.create(name="Bench media")
    user = get_user_model().objects.create(
        username=f"bench-media-{uuid.uuid4().hex[:8]}", password=make_password(None)
    )
    Membership.objects.create(user=user, team=team, role=Membership.Role.OWNER)
    generation = lifecycle.seeded_completed(team=team, author=user, prompt="a very long take")
    generation.save()
    clip = Clip.objects.create(generation=generation, slot="A", clip_id=uuid.uuid4().hex, wav=name)
    client = Client()
    client.force_login(user)
    return clip.pk, client.cookies[settings.SESSION_COOKIE_NAME].value


def _worker_pid(master: int) -> int:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            return int(entry.name)
    raise RuntimeError("gunicorn has no worker")


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def _reset_peak(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measure(url: str, pid: int, headers: dict[str, str], status: int, length: int):
    """(seconds, peak KB above the RSS before) of one streamed, discarded download."""
    _reset_peak(pid)
    before = _status_kb(pid, "VmRSS")
    received = 0
    started = time.perf_counter()
    with httpx.stream("GET", url, headers=headers, timeout=120) as response:
        if response.status_code != status:
            raise RuntimeError(f"GET {url} answered {response.status_code}, not {status}")
        for chunk in response.iter_bytes():
            received += len(chunk)
    elapsed = time.perf_counter() - started
    if received != length:
        raise RuntimeError(f"GET {url} sent {received} bytes, not {length}")
    return elapsed, max(0, _status_kb(pid, "VmHWM") - before)


def run() -> None:
    name = "bench/big.wav"
    path = Path(settings.MEDIA_ROOT) / name
    write_big_wav(path)
    size = path.stat().st_size
    static_dir = Path(settings.DATA_DIR) / "bench-static"
    static_dir.mkdir(exist_ok=True)
    static_copy = static_dir / "big.wav"
    static_copy.unlink(missing_ok=True)
    os.link(path, static_copy)  # the same bytes on disk, no second 200 MB
    clip_pk, session = _clip_and_session(name)

    app_port, static_port = spare_port(), spare_port()
    static_env = child_env(
        DJANGO_SETTINGS_MODULE="studio.ops.bench.settings_whitenoise",
        STUDIO_BENCH_WHITENOISE_ROOT=str(static_dir),
    )
    middle = size // 2
    one_mb = {"Range": f"bytes={middle}-{middle + RANGE_LENGTH - 1}"}
    cases = {
        "full": ({}, 200, size),
        "range_1mb": (one_mb, 206, RANGE_LENGTH),
        "range_to_end": ({"Range": f"bytes={middle}-"}, 206, size - middle),
    }
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with gunicorn(app_port, child_env()) as app, gunicorn(static_port, static_env) as static:
        cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
        servers = {
            "app": (
                f"http://127.0.0.1:{app_port}/clips/{clip_pk}/wav",
                _worker_pid(app.pid),
                cookie,
            ),
            "whitenoise": (f"http://127.0.0.1:{static_port}/big.wav", _worker_pid(static.pid), {}),
        }
        exact_peak = all(_reset_peak(pid) for _, pid, _ in servers.values())
        # The first requests load code: not measured. (Whitenoise refuses a 1-byte range.)
        for url, pid, base in servers.values():
            measure(url, pid, {**base, "Range": "bytes=0-1"}, 206, 2)
        for _ in range(REPEATS):
            for case, (headers, status, length) in cases.items():
                for server, (url, pid, base) in servers.items():
                    result = measure(url, pid, {**base, **headers}, status, length)
                    results.setdefault((server, case), []).append(result)

    _report(results, list(cases), list(servers), exact_peak)
    static_copy.unlink()
    path.unlink()


def _report(results, cases: list[str], servers: list[str], exact_peak: bool) -> None:
    """Median time and worst peak RSS per case and server, and app/whitenoise ratios."""
    peak_note = "" if exact_peak else " (peak since start: clear_refs not allowed)"
    for case in cases:
        times, peaks = {}, {}
        for server in servers:
            runs = results[server, case]
            times[server] = statistics.median(t for t, _ in runs)
            peaks[server] = max(p for _, p in runs)
            figure(f"media.{case}.{server}.time", times[server], "s")
            target = "flat, far below the 200 MB file"
            figure(f"media.{case}.{server}.peak_rss", peaks[server], f"KB{peak_note}", target)
        figure(f"media.{case}.time_ratio", times["app"] / times["whitenoise"], "app/whitenoise")
        # RSS moves in 4 KB pages: below one page the two are equal.
        ratio = max(peaks["app"], PAGE_KB) / max(peaks["whitenoise"], PAGE_KB)
        figure(f"media.{case}.peak_rss_ratio", ratio, "app/whitenoise (each at least 4 KB)")
