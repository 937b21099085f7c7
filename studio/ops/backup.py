"""One archive holding a consistent copy of the database and the media, and its restore.

SQLite is copied with its online backup API (safe while the app runs); PostgreSQL with
pg_dump in its custom format, restored with pg_restore.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

FORMAT_VERSION = 1


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = [
        "--host",
        db["HOST"] or "127.0.0.1",
        "--port",
        str(db["PORT"] or 5432),
        "--username",
        db["USER"] or "postgres",
        "--dbname",
        db["NAME"],
    ]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _dump_database(target: Path) -> str:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = connection.connection
        dest = sqlite3.connect(target)
        with dest:
            source.backup(dest)
        dest.close()
        return "sqlite"
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args],
            check=True,
            env=env,
        )
        return "postgresql"
    raise RuntimeError(f"backup does not know the {connection.vendor} database")


def backup(output: Path) -> Path:
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "database"
        vendor = _dump_database(dump)
        manifest = {
            "format": FORMAT_VERSION,
            "database": vendor,
            "created": datetime.now(UTC).isoformat(),
        }
        (Path(tmp) / "manifest.json").write_text(json.dumps(manifest))
        output.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(output, "w:gz") as archive:
            archive.add(Path(tmp) / "manifest.json", "manifest.json")
            archive.add(dump, "database")
            if media.exists():
                # Partial downloads are not part of the library.
                archive.add(
                    media,
                    "media",
                    filter=lambda info: None if info.name.endswith(".part") else info,
                )
    return output


def restore(archive_path: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive_path, "r:gz") as archive:
        archive.extractall(tmp, filter="data")
        manifest = json.loads((Path(tmp) / "manifest.json").read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise RuntimeError("This archive was made by an unknown version of Studio.")
        if manifest["database"] != connection.vendor:
            raise RuntimeError(
                f"This archive holds a {manifest['database']} database; this instance uses "
                f"{connection.vendor}."
            )
        dump = Path(tmp) / "database"
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            source = sqlite3.connect(dump)
            with source:
                source.backup(connection.connection)
            source.close()
        else:
            args, env = _pg_env()
            connection.close()
            subprocess.run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    *args,
                    str(dump),
                ],
                check=True,
                env=env,
            )
        media = Path(settings.MEDIA_ROOT)
        if (Path(tmp) / "media").exists():
            if media.exists():
                shutil.rmtree(media)
            shutil.copytree(Path(tmp) / "media", media)
    return manifest
