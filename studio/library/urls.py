from django.urls import include, path

from studio.library import actions, activity_views, downloads, edit_views, export_views, views

urlpatterns = [
    path("", views.library, name="library"),
    path("songs/<int:pk>/", views.song, name="song"),
    path("songs/<int:pk>/versions", edit_views.song_versions, name="song_versions"),
    path("songs/<int:pk>/stems", edit_views.song_stems, name="song_stems"),
    path("clips/<int:pk>/edit/<str:operation>", edit_views.take_edit, name="take_edit"),
    path("clips/<int:pk>/stems", edit_views.take_stems, name="take_stems"),
    path("generations/<int:pk>/zip", downloads.generation_zip, name="generation_zip"),
    path("clips/<int:pk>/title", actions.clip_title, name="clip_title"),
    path("clips/<int:pk>/pick", actions.clip_pick, name="clip_pick"),
    path("clips/<int:pk>/lrc", downloads.clip_lrc, name="clip_lrc"),
    path("clips/<int:pk>/export/<str:fmt>", export_views.clip_export, name="clip_export"),
    path("team/activity/", activity_views.team_activity, name="team_activity"),
    path("", include("studio.library.likes.urls")),
    path("", include("studio.library.projects.urls")),
    path("", include("studio.library.comments.urls")),
    path("", include("studio.library.sharing.urls")),
    path("", include("studio.library.credits.urls")),
    # Last: its <kind> would swallow the paths above.
    path("clips/<int:pk>/<str:kind>", views.clip_file, name="clip_file"),
]
