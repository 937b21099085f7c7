"""One archive holding a consistent copy of the database and the media, and its restore.

SQLite is copied with its online backup API (safe while the app runs); PostgreSQL with
pg_dump in its custom format, restored with pg_restore.

The media are the default storage's files, wherever they live. On this disk, MEDIA_ROOT goes
into the archive (partial downloads left out) and a restore replaces it. In an S3-compatible
bucket (AWS_STORAGE_BUCKET_NAME), every object of the bucket (under the storage's location) is
streamed into the archive as it is read, one GET each, never whole in memory or on disk; a
restore uploads each archived file to its key, replacing what is there, and leaves the objects
the archive does not have (made after the backup, so the restored database does not name them).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import connection

from studio import storage_files

FORMAT_VERSION = 1
# Where the media are in the archive, whichever storage they came from.
MEDIA = "media"


@dataclass(frozen=True)
class Summary:
    path: Path
    media: str  # where the media came from or went to, for the command's output
    files: int  # media files written or restored


def media_source(storage: Storage) -> str:
    if storage_files.in_bucket(storage):
        return f"the bucket {getattr(storage, 'bucket_name', '')}"
    return str(settings.MEDIA_ROOT)


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


def backup(output: Path) -> Summary:
    media = media_source(default_storage)
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "database"
        vendor = _dump_database(dump)
        manifest = {
            "format": FORMAT_VERSION,
            "database": vendor,
            "created": datetime.now(UTC).isoformat(),
            "media": media,
        }
        (Path(tmp) / "manifest.json").write_text(json.dumps(manifest))
        output.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(output, "w:gz") as archive:
            archive.add(Path(tmp) / "manifest.json", "manifest.json")
            archive.add(dump, "database")
            if storage_files.in_bucket(default_storage):
                files = _add_bucket(archive, default_storage)
            else:
                files = _add_media_root(archive)
    return Summary(output, media, files)


def _add_media_root(archive: tarfile.TarFile) -> int:
    media = Path(settings.MEDIA_ROOT)
    if not media.exists():
        return 0
    files = 0

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        nonlocal files
        if info.name.endswith(".part"):  # partial downloads are not part of the library
            return None
        files += info.isfile()
        return info

    archive.add(media, MEDIA, filter=keep)
    return files


def _add_bucket(archive: tarfile.TarFile, storage: Storage) -> int:
    files = 0
    for found in storage_files.bucket_files(storage):
        info = tarfile.TarInfo(f"{MEDIA}/{found.name}")
        info.size, info.mtime, info.mode = found.size, int(found.mtime), 0o644
        body = found.s3_object.get()["Body"]
        try:
            archive.addfile(info, body)  # tarfile reads it in blocks of its own
        finally:
            body.close()
        files += 1
    return files


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
        files = _restore_media(Path(tmp) / MEDIA, default_storage)
    return {**manifest, "files": files, "media_target": media_source(default_storage)}


def _restore_media(archived: Path, storage: Storage) -> int:
    if not archived.exists():
        return 0
    files = [path for path in archived.rglob("*") if path.is_file()]
    if storage_files.in_bucket(storage):
        for path in files:
            storage_files.upload(storage, path.relative_to(archived).as_posix(), path)
        return len(files)
    media = Path(settings.MEDIA_ROOT)
    if media.exists():
        shutil.rmtree(media)
    shutil.copytree(archived, media)
    return len(files)
