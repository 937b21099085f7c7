"""Library search by full-text index: one lowercased text per generation (prompt, clip titles
and lyrics), indexed by SQLite FTS5 or PostgreSQL full-text search.

Each word of a query must match the start of a word of the song (so "drea" finds "dream");
`ranks` says how well songs match (Best match, library/ranking.py). The text itself stays a
plain column, written by `refresh`. The index is kept in step by the
database: triggers on SQLite, a generated column on PostgreSQL (ensure_index).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from studio.songs.models import Clip, Generation

TABLE = Generation._meta.db_table
FTS = f"{TABLE}_fts"  # SQLite's external-content FTS5 table
WORDS = re.compile(r"\w+")
MAX_WORDS = 8  # a pasted paragraph is not a search
MATCHES = "search_vector @@ to_tsquery('simple', %s)"  # PostgreSQL
# How a search is planned: COUNT, the songs counted from the index's list of matches; FEW
# matches (the count did not reach COUNT_CAP), a page that starts from that list too; MANY, a
# page that reads the songs newest first and tests each, soon full.
COUNT, FEW, MANY = "count", "few", "many"
# What index_first changes, for the rest of its transaction (then as it was).
PLANNER = ("enable_seqscan", "enable_indexscan", "max_parallel_workers_per_gather")
INDEX_FIRST = ("off", "off", "0")


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


def matching(query: str, plan: str = MANY) -> Q:
    """Generations whose text has every word of `query` (as a word or a word's start), as
    tested in the `plan` (COUNT, FEW or MANY)."""
    terms = _terms(query)
    if not terms:
        return Q(pk__in=[])
    if connection.vendor == "postgresql":
        if plan == FEW:  # their ids, from the index, once (an InitPlan)
            sql = f"{TABLE}.id = ANY(ARRAY(SELECT id FROM {TABLE} WHERE {MATCHES}))"
        else:  # tested song by song: a page soon full, or a count made inside index_first
            sql = f"{TABLE}.{MATCHES}"
        return Q(RawSQL(sql, [terms], output_field=BooleanField()))
    return Q(pk__in=RawSQL(f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s", [terms]))


def ranks(ids: list[int], query: str) -> dict[int, float]:
    """How well each of these songs matches `query`, higher is better: SQLite's bm25 (negated),
    PostgreSQL's ts_rank. Songs the query does not match are left out."""
    terms = _terms(query)
    if not terms or not ids:
        return {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT id, ts_rank(search_vector, to_tsquery('simple', %s)) FROM {TABLE}"
                f" WHERE id = ANY(%s) AND {MATCHES}",
                [terms, ids, terms],
            )
        else:  # the ids as one JSON parameter: any number of them
            cursor.execute(
                f"SELECT rowid, -bm25({FTS}) FROM {FTS} WHERE {FTS} MATCH %s"
                " AND rowid IN (SELECT value FROM json_each(%s))",
                [terms, json.dumps(ids)],
            )
        return {pk: float(rank) for pk, rank in cursor.fetchall()}


def from_the_list(plan: str) -> bool:
    """SQLite: whether to leave the team's own index aside, so that the planner starts from
    the full-text index's list of matches (which, left to itself, it would not)."""
    return connection.vendor == "sqlite" and plan != MANY


def _terms(query: str) -> str:
    """The query in the index's syntax: every word, each as a word's start; "" for none."""
    words = WORDS.findall(query.lower())[:MAX_WORDS]
    if connection.vendor == "postgresql":
        return " & ".join(f"'{word}':*" for word in words)
    return " ".join(f'"{word}"*' for word in words)


@contextmanager
def index_first() -> Iterator[None]:
    """PostgreSQL: plan the queries inside with the full-text index (a bitmap scan), in one
    process.

    Left to itself, the planner would rather read songs newest first and test each one's text,
    which costs far more than it estimates (every text comes from TOAST storage): 0.8 s at
    100,000 songs for a word that matches none of them, where the index answers in 1 ms. And
    starting parallel workers for a count that stops at COUNT_CAP costs more than it saves.
    """
    if connection.vendor != "postgresql":
        yield
        return
    settings = ", ".join(f"set_config('{name}', %s, true)" for name in PLANNER)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in PLANNER))
        before = cursor.fetchone()
        cursor.execute(f"SELECT {settings}", INDEX_FIRST)
        yield
        cursor.execute(f"SELECT {settings}", before)


PREFIXES = "prefix='1 2 3'"
SQLITE_INDEX = [
    # Prefix indexes: a one- to three-letter start of a word ("a" as the search is typed) is
    # one list in the index, instead of the merged lists of every word it starts.
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(search_text, content='{TABLE}',
        content_rowid='id', tokenize='unicode61 remove_diacritics 2', {PREFIXES})""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_insert AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_delete AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_update AFTER UPDATE OF search_text ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END""",
]
POSTGRES_INDEX = [
    f"""ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED""",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_search ON {TABLE} USING gin (search_vector)",
]


def ensure_index(using: str = "default", **kwargs) -> None:
    """Create the index if it is missing (post_migrate). On SQLite, a migration that rebuilds
    the generations table drops its triggers: they are made again and the index rebuilt (as
    is an index made without the prefix indexes)."""
    from django.db import connections

    db = connections[using]
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            for statement in POSTGRES_INDEX:
                cursor.execute(statement)
            return
        if db.vendor != "sqlite":
            return
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [FTS])
        made = cursor.fetchone()
        current = made is not None and PREFIXES in made[0]
        if made and not current:
            cursor.execute(f"DROP TABLE {FTS}")  # made before the prefix indexes
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            [f"{FTS}_%"],
        )
        complete = current and cursor.fetchone()[0] == 3
        for statement in SQLITE_INDEX:
            cursor.execute(statement)
        if not complete:
            cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
