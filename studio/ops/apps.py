from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "studio.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        # The upstream clients report their calls and downloads here, for /metrics.
        from studio.ops.metrics import recorder

        recorder.install()
