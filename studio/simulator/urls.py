from django.urls import re_path

from studio.simulator import views

# Everything under the mount prefix goes to the simulator, which does its own routing.
urlpatterns = [re_path(r"^(?P<rest>.*)$", views.simulator, name="simulator")]
