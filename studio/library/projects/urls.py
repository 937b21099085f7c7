"""Projects: the team's named, ordered collections of takes, their pages and zip."""

from django.urls import path

from studio.library.projects import adding, archive, views

urlpatterns = [
    path("projects/", views.project_list, name="projects"),
    path("projects/new", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project, name="project"),
    path("projects/<int:pk>/edit", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/delete", views.project_delete, name="project_delete"),
    path("projects/<int:pk>/zip", archive.project_zip, name="project_zip"),
    path("projects/items/<int:pk>/move", views.project_item_move, name="project_item_move"),
    path("projects/items/<int:pk>/remove", views.project_item_remove, name="project_item_remove"),
    path("clips/<int:pk>/projects", adding.clip_projects, name="clip_projects"),
]
