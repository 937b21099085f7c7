"""What an uploaded or downloaded file really is, judged by its bytes (never its name or header).

Images must decode fully with Pillow as JPEG, PNG or WebP, within size and pixel limits (no
decompression bombs); audio must start with the magic bytes of a type Flow Music accepts.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import IO

from PIL import Image, UnidentifiedImageError

from studio.mediatypes import EXTENSIONS

MB = 1024 * 1024
MAX_IMAGE_BYTES = 20 * MB
MAX_AUDIO_BYTES = 40 * MB
MIN_SIDE = 16
MAX_SIDE = 12_000
# Well under Pillow's own bomb threshold: a cover never needs more.
MAX_PIXELS = 50_000_000

# MPO is how Pillow names the JPEG files some cameras write.
IMAGE_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class Rejected(ValueError):
    """The file is not acceptable; the message says why, for the user."""


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def _size(handle: IO[bytes]) -> int:
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(0)
    return size


def _looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in text[:1024]


def check_image(handle: IO[bytes]) -> ImageInfo:
    """JPEG, PNG or WebP that decodes completely, ≤ 20 MB, with sane dimensions."""
    size = _size(handle)
    if size == 0:
        raise Rejected("The file is empty.")
    if size > MAX_IMAGE_BYTES:
        raise Rejected(f"The image is {size / MB:.1f} MB; the limit is 20 MB.")
    head = handle.read(2048)
    handle.seek(0)
    if _looks_like_svg(head):
        raise Rejected("SVG images are not accepted; use a JPEG, PNG or WebP image.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its two bomb thresholds; here a warning is a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(handle) as image:
                kind = image.format or ""
                width, height = image.size
                if kind not in IMAGE_TYPES:
                    raise Rejected("Only JPEG, PNG and WebP images are accepted.")
                _check_dimensions(width, height)
                image.load()  # decodes every pixel: truncated or corrupt data fails here
    except Rejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Rejected("The image has too many pixels to be a cover.") from None
    except UnidentifiedImageError:
        raise Rejected("This file is not an image we can read (JPEG, PNG or WebP).") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise Rejected("The image is damaged or incomplete.") from None
    finally:
        handle.seek(0)
    return ImageInfo(IMAGE_TYPES[kind], width, height)


def _check_dimensions(width: int, height: int) -> None:
    if width < MIN_SIDE or height < MIN_SIDE:
        raise Rejected(f"The image is {width}×{height}; each side needs at least {MIN_SIDE} px.")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise Rejected(f"The image is {width}×{height}; that is too large to be a cover.")


def audio_type(head: bytes) -> str | None:
    """The MIME type of WAV, MP3, MP4/M4A or AAC (ADTS) data from its first bytes."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    if head.startswith(b"ID3"):
        return "audio/mpeg"  # MP3 with an ID3v2 tag
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        layer = head[1] & 0x06
        if layer == 0:  # MPEG-2/4 ADTS frames carry layer 00
            return "audio/aac" if head[1] & 0xF0 == 0xF0 else None
        return "audio/mpeg"
    return None


def check_audio(handle: IO[bytes]) -> str:
    """The content type of an acceptable audio file (≤ 40 MB), judged by its first bytes."""
    size = _size(handle)
    if size == 0:
        raise Rejected("The file is empty.")
    if size > MAX_AUDIO_BYTES:
        raise Rejected(f"The audio file is {size / MB:.1f} MB; the limit is 40 MB.")
    head = handle.read(16)
    handle.seek(0)
    content_type = audio_type(head) if size >= 16 else None
    if content_type is None:
        raise Rejected("This is not an audio file we can send (MP3, WAV, M4A/MP4 or AAC).")
    return content_type
