"""Where cover art tasks were queued from before studio/songs/tasks.py took them all in; kept so
a task queued by an older version still finds its function after an upgrade."""

from studio.songs.tasks import generate_cover_art

__all__ = ["generate_cover_art"]
