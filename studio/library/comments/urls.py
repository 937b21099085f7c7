from django.urls import path

from studio.library.comments import views

urlpatterns = [
    path("songs/<int:pk>/comments", views.song_comments, name="song_comments"),
    path("comments/<int:pk>/reply", views.comment_reply, name="comment_reply"),
    path("comments/<int:pk>/edit", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete", views.comment_delete, name="comment_delete"),
]
