"""Library search: one lowercased text per generation (prompt, clip titles and lyrics).

Searching one column of one table, with no UPPER() per row and no join to the clips, keeps a
search over 10,000 songs fast on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from studio.songs.models import Clip, Generation


def text_for(prompt: str, clips: Iterable[Clip]) -> str:
    parts = [prompt] + [part for clip in clips for part in (clip.title, clip.lyrics)]
    return "\n".join(part for part in parts if part).lower()


def refresh(generation_id: int) -> None:
    """Recompute after the clips arrive or a title changes."""
    generation = Generation.objects.only("prompt").get(pk=generation_id)
    clips = Clip.objects.filter(generation_id=generation_id).only("title", "lyrics")
    Generation.objects.filter(pk=generation_id).update(
        search_text=text_for(generation.prompt, clips)
    )


def matching(query: str) -> Q:
    return Q(search_text__contains=query.lower())
