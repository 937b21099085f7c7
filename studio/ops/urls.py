from django.urls import path

from studio.ops import health, views

urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
    path("healthz", health.healthz, name="healthz"),
]
