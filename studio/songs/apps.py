from django.apps import AppConfig


class SongsConfig(AppConfig):
    name = "studio.songs"
    label = "songs"
