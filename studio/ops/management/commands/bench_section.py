"""One section of `manage.py bench`, run in the bench's own data dir and database."""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run one benchmark section (used by `manage.py bench`)."

    def add_arguments(self, parser):
        parser.add_argument("section")

    def handle(self, *args, section: str, **options):
        importlib.import_module(f"studio.ops.bench.{section}").run()
