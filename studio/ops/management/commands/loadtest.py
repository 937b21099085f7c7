"""`make load`: simulated team members against a seeded gunicorn (DESIGN §7). Prints the figures;
never fails on one, only when locust could not run.

Everything is throwaway: a temporary data dir and a fresh database (SQLite, or, when
DATABASE_URL is set, bench's `studio_bench` recreated on that PostgreSQL server). Locust runs
as its own process: imported here, its gevent monkey-patching would break this one's SSL.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError

from studio.ops.bench.common import gunicorn, spare_port
from studio.ops.management.commands.bench import _bench_database
from studio.ops.seed_text import MOODS, SEARCH_WORD, USERNAME

ROOT = Path(settings.BASE_DIR)
LOCUSTFILE = ROOT / "studio" / "ops" / "load" / "locustfile.py"
PASSWORD = "load-test-password"  # of the seeded users of this throwaway instance only
SEEDED_USERS = 6
# A process per core, and threads for the time spent streaming files and waiting on the database.
WORKERS, THREADS = 2, 4
SPAWN_RATE = 10
COLUMNS = [
    ("request", "Name", 14),
    ("count", "Request Count", 7),
    ("req/s", "Requests/s", 7),
    ("p50 ms", "50%", 7),
    ("p95 ms", "95%", 7),
    ("p99 ms", "99%", 7),
    ("failures", "Failure Count", 9),
]


class Command(BaseCommand):
    help = (
        "Run locust (50 users, 60 s) against a seeded gunicorn and print requests/s, p50/p95/p99."
    )

    def add_arguments(self, parser):
        parser.add_argument("--generations", type=int, default=10_000, help="seeded songs")
        parser.add_argument("--users", type=int, default=50, help="simulated users")
        parser.add_argument("--run-time", default="60s", help="as locust reads it: 60s, 2m")

    def handle(self, *args, generations: int, users: int, run_time: str, **options):
        # Stopped (SIGTERM), it cleans up as on Ctrl-C: gunicorn, the data dir, the database.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        database_url, drop = _bench_database(os.environ.get("DATABASE_URL"))
        engine = "postgresql" if database_url else "sqlite"
        print(
            f"# Studio load: {users} users for {run_time}, {generations} generations on {engine}, "
            f"gunicorn {WORKERS} workers x {THREADS} threads",
            flush=True,
        )
        try:
            with tempfile.TemporaryDirectory(prefix="studio-load-") as data_dir:
                port = spare_port()
                env = {**os.environ, "STUDIO_DATA_DIR": data_dir, "PORT": str(port)}
                env.pop("REDIS_URL", None)  # no worker runs: nothing to queue
                if database_url:
                    env["DATABASE_URL"] = database_url
                self._prepare(env, generations)
                log = Path(data_dir) / "gunicorn.log"
                with gunicorn(port, env, workers=WORKERS, threads=THREADS, log=log):
                    stats = self._locust(Path(data_dir), port, users, run_time)
                self._report(stats)
        except KeyboardInterrupt:
            raise CommandError("Interrupted; gunicorn stopped, throwaway data removed.") from None
        finally:
            drop()

    def _prepare(self, env: dict[str, str], generations: int) -> None:
        manage = [sys.executable, "manage.py"]
        # Static files need no database: collect them while the database is made and seeded.
        collect = subprocess.Popen(
            [*manage, "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env
        )
        try:
            for command in (
                ["migrate", "--verbosity", "0"],
                ["seed_library", "--generations", str(generations), "--users", str(SEEDED_USERS)],
                # Seeded users cannot log in: give them all one password (hashed once, here).
                ["shell", "--verbosity", "0", "-c", _set_passwords(make_password(PASSWORD))],
            ):
                subprocess.run([*manage, *command], check=True, cwd=ROOT, env=env)
        finally:
            if collect.wait() != 0:
                raise CommandError("collectstatic failed")

    def _locust(self, data_dir: Path, port: int, users: int, run_time: str) -> Path:
        prefix, log = data_dir / "locust", data_dir / "locust.log"
        env = {
            **os.environ,
            "STUDIO_LOAD_USERS": ",".join(USERNAME.format(i + 1) for i in range(SEEDED_USERS)),
            "STUDIO_LOAD_PASSWORD": PASSWORD,
            "STUDIO_LOAD_WORDS": ",".join([SEARCH_WORD, *MOODS]),
        }
        # Run from the data dir: locust would take settings from a locust.conf or pyproject.toml
        # in its working directory; all of them are here.
        args = [
            *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"),
            *("--users", str(users), "--spawn-rate", str(SPAWN_RATE), "--run-time", run_time),
            *("--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary"),
            # Failed requests are figures to report, not a reason to fail this command.
            *("--exit-code-on-error", "0"),
        ]
        print(f"Logging {users} users in, then {run_time} of load...", flush=True)
        with log.open("wb") as out:
            done = subprocess.run(args, cwd=data_dir, env=env, stdout=out, stderr=out)
        stats = Path(f"{prefix}_stats.csv")
        if done.returncode != 0 or not stats.exists():
            raise CommandError(f"locust could not run (exit {done.returncode}):\n{log.read_text()}")
        return stats

    def _report(self, stats: Path) -> None:
        with stats.open(newline="") as file:
            rows = list(csv.DictReader(file))
        print(_line([title for title, _, _ in COLUMNS]))
        for row in rows:
            print(_line([_cell(row[key]) for _, key, _ in COLUMNS]))
        failures = Path(str(stats).replace("_stats.csv", "_failures.csv"))
        with failures.open(newline="") as file:
            for row in csv.DictReader(file):
                print(f"failed {row['Occurrences']}x {row['Name']}: {row['Error']}")


def _set_passwords(hashed: str) -> str:
    return (
        "from django.contrib.auth import get_user_model; "
        "get_user_model().objects.filter(username__startswith="
        f"{USERNAME.format('')!r}).update(password={hashed!r})"
    )


def _line(cells: list[str]) -> str:
    """The request name to the left, figures to the right."""
    (name, *figures), widths = cells, [width for _, _, width in COLUMNS]
    right = (f"{cell:>{width}}" for cell, width in zip(figures, widths[1:], strict=True))
    return "  ".join([f"{name:<{widths[0]}}", *right])


def _cell(value: str) -> str:
    """Locust's figures as written in its CSV, rates to one decimal."""
    try:
        number = float(value)
    except ValueError:
        return value
    return f"{number:.1f}" if not number.is_integer() else f"{number:.0f}"
