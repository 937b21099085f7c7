from django.contrib.auth import views as auth_views
from django.urls import path

from studio.teams import views
from studio.teams.forms import ThrottledLoginForm

urlpatterns = [
    path("setup/", views.first_run, name="first_run"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=ThrottledLoginForm
        ),
        name="login",
    ),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("invite/<str:token>/", views.invitation_signup, name="invitation_signup"),
    path("team/", views.team_page, name="team"),
    path("team/invitations/", views.create_invitation, name="create_invitation"),
    path("team/invitations/<int:pk>/revoke/", views.revoke_invitation, name="revoke_invitation"),
    path("team/members/<int:pk>/remove/", views.remove_member, name="remove_member"),
]
