from django.urls import path

from studio.library.likes import views

urlpatterns = [
    path("clips/<int:pk>/like", views.clip_like, name="clip_like"),
]
