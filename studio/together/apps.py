from django.apps import AppConfig


class TogetherConfig(AppConfig):
    name = "studio.together"
    label = "together"
