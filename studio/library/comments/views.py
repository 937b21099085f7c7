from __future__ import annotations


def song_context(request, generation) -> dict:
    """What the song page's Comments section needs (templates/comments/section.html)."""
    return {}
