from django.urls import path

from studio.songs import views, views_compose, views_queue, webhooks

urlpatterns = [
    path("compose/", views_compose.compose, name="compose"),
    path("covers/generate", views_compose.cover_generate, name="cover_generate"),
    path("covers/jobs/<int:pk>", views_compose.cover_job, name="cover_job"),
    path("covers/upload", views_compose.image_upload, name="image_upload"),
    path("covers/<int:pk>/use", views_compose.cover_use, name="cover_use"),
    path("references/audio", views_compose.audio_upload, name="audio_upload"),
    path("queue/", views_queue.queue, name="queue"),
    path("queue/list", views_queue.queue_list, name="queue_list"),
    path("queue/<int:pk>/cancel", views_queue.cancel, name="generation_cancel"),
    path("queue/<int:pk>/retry", views_queue.retry, name="generation_retry"),
    path("settings/", views.settings_page, name="settings"),
]

urlpatterns += [
    path("hooks/flowmusic/<str:token>/", webhooks.flowmusic_webhook, name="flowmusic_webhook"),
]
