from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SongsConfig(AppConfig):
    name = "studio.songs"
    label = "songs"

    def ready(self) -> None:
        # These need the app registry.
        from studio.songs.pipeline.schedule import ensure_schedule
        from studio.songs.search import ensure_index

        post_migrate.connect(ensure_schedule, sender=self, dispatch_uid="songs.ensure_schedule")
        post_migrate.connect(ensure_index, sender=self, dispatch_uid="songs.ensure_search_index")
