from django.urls import path

from studio.songs import views

urlpatterns = [
    path("compose/", views.compose, name="compose"),
    path("queue/", views.queue, name="queue"),
    path("settings/", views.settings_page, name="settings"),
]
