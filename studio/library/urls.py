from django.urls import path

from studio.library import views

urlpatterns = [
    path("", views.library, name="library"),
]
