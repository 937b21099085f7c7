"""``manage.py simulator``: the Flow Music + rsflowhub simulator on its own port."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from studio.simulator.models import DEFAULT_TOKEN
from studio.simulator.server import SimulatorServer


class Command(BaseCommand):
    help = (
        "Run the built-in Flow Music / rsflowhub simulator in the foreground "
        "(see the studio.simulator docstring for its behaviours)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8100, help="port to listen on (0: any)")
        parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
        parser.add_argument("--token", default=DEFAULT_TOKEN, help="accepted bearer token")
        parser.add_argument(
            "--latency", type=float, default=4.0, help="seconds until a song job completes"
        )
        parser.add_argument(
            "--media-ttl", type=float, default=3600, help="lifetime of signed media URLs (s)"
        )

    def handle(self, *args, **options) -> None:
        server = SimulatorServer(
            host=options["host"],
            port=options["port"],
            token=options["token"],
            latency=options["latency"],
            media_ttl=options["media_ttl"],
        ).start()
        self.stdout.write(f"Flow Music API: {server.flowmusic_url}")
        self.stdout.write(f"rsflowhub API:  {server.rsflowhub_url}")
        self.stdout.write(f"Bearer token:   {server.token}")
        self.stdout.write("Accounts: " + ", ".join(a.email for a in server.state.accounts))
        self.stdout.write("Ctrl-C stops the simulator.")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Simulator stopped.")
