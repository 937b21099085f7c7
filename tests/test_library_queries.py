"""The library's SQL query count is the same for a small and a large library (counts, not times);
so is a song page's.

Each page is asked for twice and the second answer counted: the first one renders the clips'
players into the cache (one more query, see presenters.clip_media), as on a running server.
"""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from studio.ops.management.commands.seed_library import USERNAME
from studio.songs.models import Generation

PAGES = [
    "/",
    "/?q={word}",
    "/?kind=vocal&who=mine",
    "/?picks=on",
    "/?liked=on",
    "/?sort=liked&liked=on",
    "/?older={older}",
    "/?q={word}&older={older}",
    "/?tempo_from=70&tempo_to=170",
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


def seed(generations: int) -> None:
    # One user per team: "mine" is then the whole team, so every page below lists songs.
    call_command("seed_library", generations=generations, users=2, teams=2, stdout=io.StringIO())


def queries(client, url: str) -> tuple[int, int]:
    """(queries, songs listed) of a page, asked for a second time as a running server would."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), len(re.findall(r'id="generation-\d+"', response.content.decode()))


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_the_library_makes_as_many_queries_for_60_songs_as_for_5(client, page):
    seed(5)
    user = get_user_model().objects.get(username=USERNAME.format(1))
    # A word of the newest song's prompt: the search finds something in both libraries.
    newest = Generation.objects.filter(team=user.membership.team).latest("created")
    # An Older cursor just above the newest song: the keyset filter runs, and still lists it.
    older = f"{int(newest.created.timestamp() * 1_000_000) + 1}_{newest.pk}"
    url = page.format(word=newest.prompt.split()[0], older=older)
    newest.clips.filter(slot="A").update(is_pick=True)
    client.force_login(user)
    small, listed_small = queries(client, url)
    seed(55)
    large, listed_large = queries(client, url)
    assert listed_small >= 1 and listed_large >= listed_small
    assert large == small


@pytest.mark.django_db
def test_clips_not_yet_cached_cost_one_more_query_however_many(client):
    seed(60)
    client.force_login(get_user_model().objects.get(username=USERNAME.format(1)))
    warm, listed = queries(client, "/")
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        client.get("/")
    assert listed == 20
    assert len(cold) == warm + 1


def song_page_queries(client, generation: Generation) -> int:
    """Queries of a song page, asked for a second time (its clips' players cached)."""
    url = f"/songs/{generation.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["song"].generation.pk == generation.pk
    return len(captured)


@pytest.mark.django_db
def test_a_song_page_makes_as_many_queries_in_a_library_of_60_songs_as_of_5(client):
    seed(5)
    user = get_user_model().objects.get(username=USERNAME.format(1))
    team_songs = Generation.objects.filter(team=user.membership.team)
    client.force_login(user)
    newest = team_songs.latest("created")
    newest.clips.filter(slot="A").update(is_pick=True)
    small = song_page_queries(client, newest)
    seed(55)
    large = [song_page_queries(client, g) for g in (newest, team_songs.earliest("created"))]
    assert large == [small, small]
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        client.get(f"/songs/{newest.pk}/")
    assert len(cold) == small + 1  # its clips' players, rendered once
    # Session, user, team, the header's credits left; the song; its clips; their likes; its
    # versions tree and their clips; its stems; its comments; its share links.
    assert small <= 12, small
