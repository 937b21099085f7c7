from django.urls import path

from studio.ops import health, views
from studio.ops.metrics import views as metrics_views

urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics_views.metrics, name="metrics"),
]
