"""Share links: a song's public, read-only page and its media, and managing the links."""

from django.urls import path

from studio.library.sharing import public, views

urlpatterns = [
    path("songs/<int:pk>/share", views.song_share, name="song_share"),
    path("share-links/<int:pk>/revoke", views.share_revoke, name="share_revoke"),
    # Public: the token is the only key (login_not_required), and never logged (logmask).
    path("s/<str:token>/", public.shared_song, name="shared_song"),
    path("s/<str:token>/cover", public.shared_cover, name="shared_cover"),
    path("s/<str:token>/<str:slot>/<str:kind>", public.shared_clip_file, name="shared_clip_file"),
]
