from django.urls import path

from studio.songs import views, webhooks

urlpatterns = [
    path("compose/", views.compose, name="compose"),
    path("queue/", views.queue, name="queue"),
    path("settings/", views.settings_page, name="settings"),
]

urlpatterns += [
    path("hooks/flowmusic/<str:token>/", webhooks.flowmusic_webhook, name="flowmusic_webhook"),
]
