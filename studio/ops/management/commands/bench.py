"""`make bench`: performance figures (DESIGN §7). Prints; never fails the build on a figure.

Runs against a throwaway data dir and database: SQLite by default, or a `studio_bench`
database on the PostgreSQL server of DATABASE_URL when it is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SECTIONS = ["exports", "library", "media", "pageweight", "pipeline"]


def _bench_database(url: str | None) -> tuple[str | None, Callable[[], None]]:
    """A fresh bench database URL on the same server, and how to drop it afterwards."""
    if not url:
        return None, lambda: None
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))

    def execute(sql: str) -> None:
        with psycopg.connect(
            admin.replace("postgres://", "postgresql://", 1), autocommit=True
        ) as conn:
            conn.execute(sql)

    execute("DROP DATABASE IF EXISTS studio_bench WITH (FORCE)")
    execute("CREATE DATABASE studio_bench")
    return (
        urlunsplit(parts._replace(path="/studio_bench")),
        lambda: execute("DROP DATABASE IF EXISTS studio_bench WITH (FORCE)"),
    )


class Command(BaseCommand):
    help = "Print the performance figures of DESIGN §7 (library, media, page weight, pipeline)."

    def add_arguments(self, parser):
        # Checked in handle(): argparse checks an empty or default list as one value of `choices`.
        parser.add_argument("sections", nargs="*", help=f"default: all of {', '.join(SECTIONS)}")
        parser.add_argument(
            "--generations",
            type=int,
            default=100_000,
            help="songs seeded for the library figures (10000 for a quick run)",
        )

    def handle(self, *args, sections: list[str], generations: int, **options):
        if unknown := sorted(set(sections) - set(SECTIONS)):
            raise CommandError(f"No such section: {', '.join(unknown)} (known: {SECTIONS})")
        sections = sections or SECTIONS
        database_url, drop = _bench_database(os.environ.get("DATABASE_URL"))
        engine = "postgresql" if database_url else "sqlite"
        print(f"# Studio benchmarks on {engine}", flush=True)
        try:
            with tempfile.TemporaryDirectory(prefix="studio-bench-") as data_dir:
                env = {
                    **os.environ,
                    "STUDIO_DATA_DIR": data_dir,
                    "STUDIO_BENCH_GENERATIONS": str(generations),
                }
                env.pop("REDIS_URL", None)
                if database_url:
                    env["DATABASE_URL"] = database_url
                run = [sys.executable, "manage.py"]
                subprocess.run(
                    [*run, "migrate", "--verbosity", "0"],
                    check=True,
                    env=env,
                    cwd=settings.BASE_DIR,
                )
                for section in sections:
                    subprocess.run(
                        [*run, "bench_section", section], check=True, env=env, cwd=settings.BASE_DIR
                    )
        finally:
            drop()
