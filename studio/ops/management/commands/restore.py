from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from studio.ops.backup import restore


class Command(BaseCommand):
    help = (
        "Replace the database and the media with those of a backup archive. With an S3 bucket"
        " (AWS_STORAGE_BUCKET_NAME) the archived files are uploaded over their keys; objects"
        " the archive does not have are left in the bucket."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, archive: Path, yes: bool = False, **options):
        if not archive.exists():
            raise CommandError(f"{archive} does not exist.")
        if not yes and input("This replaces the current database and media. Type yes: ") != "yes":
            raise CommandError("Restore canceled.")
        try:
            manifest = restore(archive)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the backup made {manifest['created']}: the database and "
            f"{manifest['files']} media files into {manifest['media_target']}."
        )
