from django.urls import path

from studio.songs.compose import cover_views, lyrics_views
from studio.songs.compose import views as compose_views
from studio.songs.pipeline import webhooks
from studio.songs.queue import views as queue_views

urlpatterns = [
    path("compose/", compose_views.compose, name="compose"),
    path("covers/<int:pk>", cover_views.cover_image, name="cover_image"),
    path("covers/generate", cover_views.cover_generate, name="cover_generate"),
    path("covers/jobs/<int:pk>", cover_views.cover_job, name="cover_job"),
    path("covers/upload", cover_views.image_upload, name="image_upload"),
    path("covers/<int:pk>/use", cover_views.cover_use, name="cover_use"),
    path("references/audio", cover_views.audio_upload, name="audio_upload"),
    path("compose/lyrics", lyrics_views.lyrics_draft, name="lyrics_draft"),
    path("compose/lyrics/<int:pk>", lyrics_views.lyrics_draft_status, name="lyrics_draft_status"),
    path("queue/", queue_views.queue, name="queue"),
    path("queue/list", queue_views.queue_list, name="queue_list"),
    path("queue/<int:pk>/cancel", queue_views.cancel, name="generation_cancel"),
    path("queue/<int:pk>/retry", queue_views.retry, name="generation_retry"),
]

urlpatterns += [
    path("hooks/flowmusic/<str:token>/", webhooks.flowmusic_webhook, name="flowmusic_webhook"),
]
