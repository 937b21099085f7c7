from __future__ import annotations


def song_context(request, generation) -> dict:
    """What the song page's Share section needs (templates/sharing/section.html)."""
    return {}
