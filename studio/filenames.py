"""File names we hand out (downloads, zip members, Content-Disposition), made from user text.

Every extractor and file system must accept them: at most 255 UTF-8 bytes (NAME_MAX on Linux
and macOS, and what `unzip` and Python's `zipfile` can extract), no path separators, nothing
invisible. Invisible means control and format characters (categories Cc and Cf): they include
the bidi controls, with which "Song" + U+202E + "gpj.exe" displays as "Songexe.jpg". Zero-width
joiners are format characters too, so an emoji sequence such as a family comes out as its
members.
"""

from __future__ import annotations

import re
import unicodedata

MAX_BYTES = 255
# Separators and the characters Windows refuses; they become "_".
UNSAFE = re.compile(r'[/\\:*?"<>|]')
# What counts as an extension to keep: ".wav", ".lrc", ".zip", ".jpeg".
EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}\Z")
# Removed: control, format, surrogate (no UTF-8 form) and line/paragraph separator characters.
INVISIBLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def cut_to_bytes(text: str, limit: int) -> str:
    """The longest start of `text` that is at most `limit` UTF-8 bytes, whole characters only."""
    return text.encode()[:limit].decode(errors="ignore")


def _visible(text: str) -> str:
    chars = (" " if char.isspace() else char for char in text)
    kept = "".join(char for char in chars if unicodedata.category(char) not in INVISIBLE)
    return UNSAFE.sub("_", kept)


def clean_text(text: str) -> str:
    """`text` without invisible characters or separators, and no leading/trailing dots."""
    return _visible(text).strip(" .")


def _clean_once(name: str, fallback: str) -> str:
    name = _visible(name)
    match = EXTENSION.search(name)
    extension = match.group() if match else ""
    stem = name[: len(name) - len(extension)].strip(" .")
    stem = cut_to_bytes(stem, MAX_BYTES - len(extension.encode())).rstrip(" .")
    return (stem or fallback) + extension


def safe_filename(name: str, fallback: str = "download") -> str:
    """`name` made safe to save or extract anywhere, cut to 255 bytes with its extension kept.

    Idempotent, so a name cleaned twice (by the zip writer, by serve_file) does not change:
    the second pass matters only when a cut left what now reads as an extension at the end.
    """
    return _clean_once(_clean_once(name, fallback), fallback)
