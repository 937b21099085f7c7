"""Library search by full-text index: one lowercased text per generation (prompt, clip titles
and lyrics), indexed by SQLite FTS5 or PostgreSQL full-text search.

Each word of a query must match the start of a word of the song (so "drea" finds "dream"); the
text itself stays a plain column, written by `refresh`. The index is kept in step by the
database: triggers on SQLite, a generated column on PostgreSQL (ensure_index).
"""

from __future__ import annotations

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
# Up to this many matches, PostgreSQL lists them from the index; more, it tests newest first.
FEW_MATCHES = 2000
# The plans that index_first rules out, for the rest of its transaction.
SCANS = (
    "SELECT set_config('enable_seqscan', '{0}', true), set_config('enable_indexscan', '{0}', true)"
)


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
    """Generations whose text has every word of `query` (as a word or a word's start)."""
    words = WORDS.findall(query.lower())[:MAX_WORDS]
    if not words:
        return Q(pk__in=[])
    if connection.vendor == "postgresql":
        terms = " & ".join(f"'{word}':*" for word in words)
        if _few_matches(terms):  # their ids, from the index, once (an InitPlan)
            sql = f"{TABLE}.id = ANY(ARRAY(SELECT id FROM {TABLE} WHERE {MATCHES}))"
        else:  # many: the newest songs are tested one by one, and 20 are soon found
            sql = f"{TABLE}.{MATCHES}"
        return Q(RawSQL(sql, [terms], output_field=BooleanField()))
    terms = " ".join(f'"{word}"*' for word in words)
    return Q(pk__in=RawSQL(f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s", [terms]))


@contextmanager
def index_first() -> Iterator[None]:
    """PostgreSQL: plan the queries inside with the full-text index (a bitmap scan).

    Left to itself, the planner would rather read songs newest first and test each one's text,
    which costs far more than it estimates (every text comes from TOAST storage): 0.8 s at
    100,000 songs for a word that matches none of them, where the index answers in 1 ms.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SCANS.format("off"))
        yield
        cursor.execute(SCANS.format("on"))


def _few_matches(terms: str) -> bool:
    """Whether the index finds at most FEW_MATCHES songs, of any team (counted no further)."""
    with index_first(), connection.cursor() as cursor:
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE {MATCHES} LIMIT %s) found"
        cursor.execute(sql, [terms, FEW_MATCHES + 1])
        return cursor.fetchone()[0] <= FEW_MATCHES


SQLITE_INDEX = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(search_text, content='{TABLE}',
        content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
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
    the generations table drops its triggers: they are made again and the index rebuilt."""
    from django.db import connections

    db = connections[using]
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            for statement in POSTGRES_INDEX:
                cursor.execute(statement)
            return
        if db.vendor != "sqlite":
            return
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            [f"{FTS}_%"],
        )
        complete = cursor.fetchone()[0] == 3
        for statement in SQLITE_INDEX:
            cursor.execute(statement)
        if not complete:
            cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
