from django.urls import path

from studio.library import views

urlpatterns = [
    path("", views.library, name="library"),
    path("clips/<int:pk>/<str:kind>", views.clip_file, name="clip_file"),
]
