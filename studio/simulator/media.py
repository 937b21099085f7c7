"""Simulated storage: rendered clips and uploads on disk, signed URLs, byte-range streaming."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.simulator import render

CHUNK = 64 * 1024
MB = 1024 * 1024

#: Accepted by ``POST /files``: content type -> (asset kind, size limit in bytes).
UPLOAD_TYPES = {
    "image/jpeg": ("image", 20 * MB),
    "image/png": ("image", 20 * MB),
    "image/webp": ("image", 20 * MB),
    "audio/mpeg": ("audio", 40 * MB),
    "audio/wav": ("audio", 40 * MB),
    "audio/x-wav": ("audio", 40 * MB),
    "audio/mp4": ("audio", 40 * MB),
    "audio/x-m4a": ("audio", 40 * MB),
    "audio/aac": ("audio", 40 * MB),
}

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "aac",
}


def looks_like(content_type: str, head: bytes) -> bool:
    """Whether the first bytes of a file match its declared type (magic numbers)."""
    if content_type == "image/jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if content_type == "image/png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if content_type == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if content_type in {"audio/wav", "audio/x-wav"}:
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if content_type in {"audio/mp4", "audio/x-m4a"}:
        return head[4:8] == b"ftyp"
    if content_type == "audio/mpeg":
        return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] >= 0xE0)
    if content_type == "audio/aac":
        adts = len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0
        return adts or head.startswith((b"ADIF", b"ID3"))
    return False


def sign(secret: bytes, kind: str, name: str, expires: int) -> str:
    message = f"{kind}/{name}:{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def verify(secret: bytes, kind: str, name: str, expires: str, sig: str) -> bool:
    if not expires.isdigit() or int(expires) < time.time():
        return False
    return hmac.compare_digest(sign(secret, kind, name, int(expires)), sig)


@dataclass(frozen=True)
class StoredFile:
    kind: str  # URL kind: audio (m4a), wav, image, file (upload)
    path: Path
    content_type: str


@dataclass(frozen=True)
class ClipMedia:
    """One rendered clip: what the job record says about it and its three files."""

    title: str
    duration_s: float
    lyrics: str | None
    lyrics_timing: list | None
    bpm: float | None
    audio: str  # file names in the store
    wav: str
    image: str


class MediaStore:
    """Files of one simulator state in a private directory, plus a render cache.

    ``parent`` None means a fresh temporary directory; otherwise a ``proc-<pid>`` directory under
    it, where directories left by dead processes are removed first.
    """

    def __init__(self, parent: Path | None = None) -> None:
        if parent is None:
            self.root = Path(tempfile.mkdtemp(prefix="studio-simulator-"))
        else:
            parent.mkdir(parents=True, exist_ok=True)
            _remove_stale(parent)
            self.root = Path(tempfile.mkdtemp(prefix=f"proc-{os.getpid()}-", dir=parent))
        self._lock = threading.Lock()
        self._files: dict[str, StoredFile] = {}
        self._cache: dict[str, Any] = {}
        self._key_locks: dict[str, threading.Lock] = {}
        self._epoch = 0

    def path_for(self, name: str) -> Path:
        return self.root / name

    def add(self, name: str, kind: str, content_type: str) -> StoredFile:
        stored = StoredFile(kind, self.path_for(name), content_type)
        with self._lock:
            self._files[name] = stored
        return stored

    def get(self, kind: str, name: str) -> StoredFile | None:
        with self._lock:
            stored = self._files.get(name)
        return stored if stored and stored.kind == kind else None

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per key, even when asked from several threads at once."""
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
                epoch = self._epoch
            value = compute()
            with self._lock:
                # A clear() meanwhile deleted what compute() wrote: do not remember it.
                if epoch == self._epoch:
                    self._cache[key] = value
                self._key_locks.pop(key, None)
            return value

    def clear(self) -> None:
        with self._lock:
            self._epoch += 1
            self._files.clear()
            self._cache.clear()
            self._key_locks.clear()
        for child in self.root.iterdir():
            child.unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def render_clip(
        self, prompt: str, *, lyrics: str | None, instrumental: bool, seed: int
    ) -> ClipMedia:
        """Render (once) the audio and artwork of one clip.

        Rendering is deterministic, so clips asked for with the same inputs share one render
        (and its files): benchmarks queue hundreds of songs without waiting on the encoder.
        """

        def make() -> tuple[render.RenderedSong, str]:
            song = render.render_song(prompt, lyrics=lyrics, instrumental=instrumental, seed=seed)
            return song, f"{song.title}. {prompt}"

        return self.render_cached([prompt, lyrics, instrumental, seed], make)

    def render_cached(
        self, inputs: list[Any], make: Callable[[], tuple[render.RenderedSong, str]]
    ) -> ClipMedia:
        """Store what ``make()`` renders (a song and its artwork's prompt) as WAV, m4a and JPEG,
        once per distinct ``inputs`` (JSON-able: they name the files)."""
        key = hashlib.sha256(json.dumps(inputs).encode()).hexdigest()[:24]
        stem = f"render-{key}"

        def compute() -> ClipMedia:
            song, art_prompt = make()
            with open(self.path_for(f"{stem}.wav"), "wb") as fh:
                render.write_wav(song, fh)
            render.write_m4a(song, self.path_for(f"{stem}.m4a"))
            self.path_for(f"{stem}.jpg").write_bytes(render.render_image(art_prompt))
            names = {"wav": f"{stem}.wav", "audio": f"{stem}.m4a", "image": f"{stem}.jpg"}
            self.add(names["wav"], "wav", "audio/wav")
            self.add(names["audio"], "audio", "audio/mp4")
            self.add(names["image"], "image", "image/jpeg")
            return ClipMedia(
                title=song.title,
                duration_s=round(float(song.duration_s), 2),
                lyrics=song.lyrics,
                lyrics_timing=song.lyrics_timing,
                bpm=song.bpm,
                **names,
            )

        return self.cached(f"clip:{stem}", compute)


def _remove_stale(parent: Path) -> None:
    for child in parent.glob("proc-*"):
        pid = child.name.split("-")[1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(child, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
