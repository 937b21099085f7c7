"""The media types Studio stores and serves, and the file extension of each (one table)."""

from __future__ import annotations

EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
}
# The three files of a clip: model field → the type the upstream sends it as.
CLIP_FILES = {"audio": "audio/mp4", "wav": "audio/wav", "image": "image/jpeg"}


def extension(content_type: str, default: str = ".bin") -> str:
    return EXTENSIONS.get(content_type, default)
