from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "studio.teams"
    label = "teams"
    verbose_name = "Teams"

    def ready(self) -> None:
        from studio.teams import signals  # noqa: F401  (connects the superuser and sign-in hooks)
