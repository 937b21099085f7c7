"""Library search through the full-text index (SQLite FTS5, PostgreSQL tsvector + GIN): a word
of the prompt, a title, a lyric line, a word's start; kept in step with every write."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from studio.library import queries
from studio.library.forms import UNFILTERED
from studio.library.queries import library_generations
from studio.songs import search
from studio.songs.models import Clip, Generation
from tests.test_library import listed, make_song

pytestmark = pytest.mark.django_db


def found(client, query: str) -> list[int]:
    return listed(client.get("/", {"q": query}))


def test_a_word_a_title_a_lyric_line_and_a_words_start_are_found(owner_client, team, owner):
    song = make_song(team, owner, prompt="Dreamy shoegaze with tape hiss", media=False)
    Clip.objects.filter(generation=song, slot="A").update(title="Harbour Lights")
    Clip.objects.filter(generation=song, slot="B").update(lyrics="[Verse]\nWe sail at midnight")
    search.refresh(song.pk)
    other = make_song(team, owner, prompt="jazz trio", lyrics="[Verse]\nNothing", media=False)
    assert found(owner_client, "shoegaze") == [song.pk]
    assert found(owner_client, "harbour lights") == [song.pk]
    assert found(owner_client, "sail at midnight") == [song.pk]
    assert found(owner_client, "DREA") == [song.pk]  # a word's start, any case
    assert found(owner_client, "jazz") == [other.pk]
    assert found(owner_client, "jazz shoegaze") == []  # every word must match
    assert found(owner_client, "'\" OR *") == []  # query syntax is never passed through


def test_deleted_and_retitled_songs_leave_the_index(owner_client, team, owner):
    song = make_song(team, owner, prompt="lofi beats", media=False)
    assert found(owner_client, "lofi") == [song.pk]
    Generation.objects.filter(pk=song.pk).update(search_text="ambient drone")
    assert found(owner_client, "lofi") == [] and found(owner_client, "drone") == [song.pk]
    song.delete()
    assert found(owner_client, "drone") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 triggers")
def test_a_table_rebuild_that_drops_the_triggers_is_repaired(owner_client, team, owner):
    song = make_song(team, owner, prompt="first light", media=False)
    with connection.cursor() as cursor:
        for name in ("insert", "delete", "update"):
            cursor.execute(f"DROP TRIGGER {search.FTS}_{name}")
    Generation.objects.filter(pk=song.pk).update(search_text="second wind")  # not indexed
    search.ensure_index()  # as post_migrate does after every migrate
    assert found(owner_client, "wind") == [song.pk] and found(owner_client, "first") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 options")
def test_an_index_made_without_prefix_indexes_is_made_again(owner_client, team, owner):
    song = make_song(team, owner, prompt="amber waves", media=False)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {search.FTS}")
        cursor.execute(  # as earlier versions made it
            f"CREATE VIRTUAL TABLE {search.FTS} USING fts5(search_text, "
            f"content='{Generation._meta.db_table}', content_rowid='id')"
        )
    search.ensure_index()
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [search.FTS])
        assert search.PREFIXES in cursor.fetchone()[0]
    assert found(owner_client, "a") == [song.pk] and found(owner_client, "wav") == [song.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_the_search_reads_the_index_not_every_row(team):
    sql, params = Generation.objects.filter(
        search.matching("dream"), team=team
    ).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "VIRTUAL TABLE INDEX" in plan and search.FTS in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_a_search_is_counted_from_the_list_of_matches(team, owner):
    """Not by reading the team's songs newest first until COUNT_CAP of them match, which for
    a rare word means reading every one."""
    rows = library_generations(team, owner, {**UNFILTERED, "q": "dream"}, search.COUNT)
    sql, params = rows.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert plan.startswith("SEARCH songs_generation USING INTEGER PRIMARY KEY"), plan


@pytest.mark.parametrize("cap", [1000, 0], ids=["listed-from-the-index", "tested-newest-first"])
def test_few_and_many_matches_find_the_same_songs(owner_client, team, owner, monkeypatch, cap):
    # A page starts from the index's list of matches when the count of them stays within the
    # cap, and tests songs newest first when it does not (0: always).
    monkeypatch.setattr(queries, "COUNT_CAP", cap)
    sea = make_song(team, owner, prompt="slow waves on the sea", age_minutes=3, media=False)
    make_song(team, owner, prompt="desert highway at night", age_minutes=2, media=False)
    seaside = make_song(team, owner, prompt="seaside town in winter", age_minutes=1, media=False)
    response = owner_client.get("/?q=sea")
    assert listed(response) == [seaside.pk, sea.pk]
    assert "2 songs found" in response.content.decode()
    assert listed(owner_client.get("/?q=winter+sea")) == [seaside.pk]
    assert listed(owner_client.get("/?q=nowhere")) == []


def test_best_match_ranks_a_search_and_pages_through_the_ranking(owner_client, team, owner):
    """Sort "Best match": the song that is most about the words comes first, older or not;
    equal matches stay newest first; Older/Newer page through the same ranking."""
    about = make_song(
        team, owner, prompt="rain rain rain, a song of rain", age_minutes=50, media=False
    )
    passing = [
        make_song(
            team,
            owner,
            prompt=f"city lights {n}, " + "night " * 30 + "and rain",
            age_minutes=40 - n,
            media=False,
        )
        for n in range(21)
    ]
    make_song(team, owner, prompt="dry desert", age_minutes=1, media=False)
    newest_first = listed(owner_client.get("/", {"q": "rain"}))
    assert newest_first[0] == passing[-1].pk and about.pk not in newest_first  # page 1 of 22
    first = owner_client.get("/", {"q": "rain", "sort": "best"})
    page = first.content.decode()
    assert listed(first)[0] == about.pk and len(listed(first)) == 20
    assert listed(first)[1:] == [g.pk for g in reversed(passing)][:19]  # equals: newest first
    assert "22 songs found" in page and 'value="best" selected' in page
    older = re.search(r'href="\?([^"]*older=20[^"]*)"', page).group(1).replace("&amp;", "&")
    second = owner_client.get("/?" + older)
    assert listed(second) == [passing[1].pk, passing[0].pk]
    newer = re.search(r'href="\?([^"]*newer=20[^"]*)"', second.content.decode()).group(1)
    assert listed(owner_client.get("/?" + newer.replace("&amp;", "&"))) == listed(first)
    # Without a search there is nothing to rank: newest first.
    assert listed(owner_client.get("/", {"sort": "best"}))[0] != about.pk
