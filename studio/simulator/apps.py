from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "studio.simulator"
    label = "simulator"
    verbose_name = "Flow Music simulator"
