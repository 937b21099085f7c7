from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from studio.ops.backup import backup


class Command(BaseCommand):
    help = (
        "Write the database and the media into one .tar.gz archive: the files under MEDIA_ROOT,"
        " or every object of the S3 bucket when AWS_STORAGE_BUCKET_NAME is set."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="archive path (default: <data dir>/backups/studio-<time>.tar.gz)",
        )

    def handle(self, *args, output: Path | None = None, **options):
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        output = output or Path(settings.DATA_DIR) / "backups" / f"studio-{stamp}.tar.gz"
        summary = backup(output)
        size = summary.path.stat().st_size
        self.stdout.write(
            f"Backup written to {summary.path} ({size:,} bytes): the database and "
            f"{summary.files} media files from {summary.media}."
        )
