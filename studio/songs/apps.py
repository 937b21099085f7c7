from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SongsConfig(AppConfig):
    name = "studio.songs"
    label = "songs"

    def ready(self) -> None:
        from studio.songs.pipeline.schedule import ensure_schedule  # needs the app registry

        post_migrate.connect(ensure_schedule, sender=self, dispatch_uid="songs.ensure_schedule")
