"""Library pages at 100,000 generations / 200,000 clips in one team (`bench --generations`):
server time and SQL queries per page, page 2 and page 1,000 by their keyset cursors.

Requests go through Django's test client in this process: the whole middleware stack, the view
and the templates, without a network in between. Warm-up requests are not counted, so clips'
players come from the cache as on a running server; the home page is also timed with an empty
cache before each request. A song page (/songs/<pk>/: one song's takes) is measured for the
newest song of the seeded user's team, with comments, replies and a share link, and a project
page. A share of the takes is liked (seed_library --likes): the query counts show that likes,
comments and a project's takes cost the same queries however many there are.
"""

from __future__ import annotations

import io
import os
import time

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from studio.library.pages import PAGE_SIZE
from studio.ops.bench.common import figure, percentile
from studio.ops.bench.pageweight import collect_static
from studio.ops.seed_text import SEARCH_WORD, USERNAME
from studio.songs.models import Clip, Generation
from studio.teams.models import Membership
from studio.together.models import Comment, Like, Project, ProjectItem, ShareLink

# Comments on the measured song, and takes in a project, at the small and the large size.
SMALL_TALK, LARGE_TALK = 2, 60
PAGES = {
    "home": "/",
    "search": f"/?q={SEARCH_WORD}",
    "best_match": f"/?q={SEARCH_WORD}&sort=best",
    "filtered": "/?kind=vocal&who=mine",
    "tempo_key": "/?tempo_from=90&tempo_to=110&key=C+major",
    "picks": "/?picks=on",
    "liked": "/?liked=on",
    "most_liked": "/?sort=liked",
}
WARMUP = 5
SAMPLES = 60
SMALL = 100
# `manage.py bench --generations N` (10,000 for a quick run); seeded in one team.
LARGE = int(os.environ.get("STUDIO_BENCH_GENERATIONS", "100000"))
DEEP = 1000  # the deep page: as far down the list as page 1,000 of 20 songs would be


def _client() -> Client:
    client = Client(SERVER_NAME="localhost")
    client.force_login(get_user_model().objects.get(username=USERNAME.format(1)))
    return client


def teammate_url() -> str:
    """The library narrowed to the songs of one of the benchmarked user's teammates."""
    user = get_user_model().objects.get(username=USERNAME.format(1))
    teammate = Membership.objects.filter(team=user.membership.team).exclude(user=user).first()
    if teammate is None:
        raise RuntimeError("The seeded user has no teammate.")
    return f"/?who={teammate.user_id}"


def pages_to_measure(talk: int) -> dict[str, str]:
    """The pages, with the song page's song discussed and shared and a project of `talk`
    takes: at both sizes, so their query counts compare like with like."""
    song = song_url()
    return {
        **PAGES,
        "page2": older_url(1),
        "deep_page": older_url(min(DEEP, Generation.objects.count() // PAGE_SIZE - 1)),
        "teammate": teammate_url(),
        "song": song,
        "project": _discuss(song, talk),
    }


def older_url(pages: int) -> str:
    """The library `pages` pages down, by the cursor its Older links would carry."""
    user = get_user_model().objects.get(username=USERNAME.format(1))
    listed = Generation.objects.filter(
        team=user.membership.team, status=Generation.Status.COMPLETED
    ).order_by("-created", "-pk")
    last = listed.only("created")[pages * PAGE_SIZE - 1]
    return f"/?older={int(last.created.timestamp() * 1_000_000)}_{last.pk}"


def _discuss(song: str, talk: int) -> str:
    """`talk` comments (every third with a reply) and a share link on the song; a project of
    the team's `talk` newest takes A. The project page's path."""
    user = get_user_model().objects.get(username=USERNAME.format(1))
    generation = Generation.objects.get(pk=int(song.strip("/").rsplit("/", 1)[1]))
    clips = list(generation.clips.order_by("slot"))
    for n in range(talk):
        comment = Comment.objects.create(
            clip=clips[n % len(clips)], author=user, at_seconds=n % 30, text=f"note {n}"
        )
        if n % 3 == 0:
            Comment.objects.create(clip=comment.clip, author=user, parent=comment, text="yes")
    ShareLink.objects.create(team=generation.team, generation=generation, created_by=user)
    project = Project.objects.create(team=generation.team, author=user, name=f"Bench {talk}")
    takes = Clip.objects.filter(
        generation__team=generation.team,
        generation__status=Generation.Status.COMPLETED,
        slot=Clip.Slot.A,
    ).order_by("-generation__created")[:talk]
    ProjectItem.objects.bulk_create(
        ProjectItem(project=project, clip=clip, position=n) for n, clip in enumerate(takes, 1)
    )
    return f"/projects/{project.pk}/"


def song_url() -> str:
    """The song page of the newest song of the benchmarked user's team."""
    user = get_user_model().objects.get(username=USERNAME.format(1))
    newest = Generation.objects.filter(
        team=user.membership.team, status=Generation.Status.COMPLETED
    ).latest("created", "pk")
    return f"/songs/{newest.pk}/"


def _get(client: Client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def query_counts(client: Client, pages: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in pages.items():
        _get(client, url)  # caches (sessions, templates) warm, as on a running server
        with CaptureQueriesContext(connection) as queries:
            _get(client, url)
        counts[name] = len(queries)
    return counts


def server_times(client: Client, url: str, cold: bool = False) -> list[float]:
    """Milliseconds per request; `cold` empties the cache first (clips' players not rendered)."""
    for _ in range(WARMUP):
        _get(client, url)
    times = []
    for _ in range(SAMPLES):
        if cold:
            cache.clear()
        started = time.perf_counter()
        _get(client, url)
        times.append((time.perf_counter() - started) * 1000)
    return times


def run() -> None:
    collect_static()
    seed = {"teams": 1, "users": 3, "stdout": io.StringIO()}
    call_command("seed_library", generations=SMALL, reset=True, **seed)
    small = query_counts(_client(), pages_to_measure(SMALL_TALK))
    call_command("seed_library", generations=LARGE - SMALL, seed=2, **seed)
    client = _client()
    pages = pages_to_measure(LARGE_TALK)  # the newest song now, likely a new one
    large = query_counts(client, pages)
    for name, url in pages.items():
        times = server_times(client, url)
        figure(f"library.{name}.p50", percentile(times, 50), "ms", "<= 30 ms")
        figure(f"library.{name}.p95", percentile(times, 95), "ms")
    cold = server_times(client, PAGES["home"], cold=True)
    figure("library.home_cold_cache.p50", percentile(cold, 50), "ms", "first view of its clips")
    figure("library.home_cold_cache.p95", percentile(cold, 95), "ms")
    likes = Like.objects.count()
    figure(f"library.likes_at_{LARGE}", likes, "likes", "seeded: 30% of takes, by 1 to 3 members")
    for name in pages:
        figure(f"library.{name}.queries_at_{SMALL}", small[name], "queries", "constant")
        figure(
            f"library.{name}.queries_at_{LARGE}",
            large[name],
            "queries",
            f"<= {small[name]} (at {SMALL}; a count that reached the cap is kept a minute)",
        )
