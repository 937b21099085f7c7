from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("studio.library.urls")),
    path("", include("studio.songs.urls")),
    path("", include("studio.teams.urls")),
    path("", include("studio.ops.urls")),
    path("admin/", admin.site.urls),
]

if settings.FLOWMUSIC_SIMULATED:
    # The built-in upstream: the app talks to it over HTTP exactly as it would to useapi.net.
    urlpatterns.append(path(settings.SIMULATOR_PREFIX, include("studio.simulator.urls")))
