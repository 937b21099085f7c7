from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from studio.teams.models import Invitation, Membership

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "newbie",
    "email": "",
    "password1": "a-long-pass-phrase",
    "password2": "a-long-pass-phrase",
}


def test_owner_creates_an_invitation_link(owner_client, team):
    response = owner_client.post("/team/invitations/", follow=True)
    invitation = Invitation.objects.get(team=team)
    assert f"/invite/{invitation.token}/" in response.content.decode()
    assert invitation.expires > timezone.now() + timedelta(days=6)


def test_a_valid_invitation_signs_up_into_the_team(client, owner, team):
    invitation = Invitation.objects.create(team=team, created_by=owner)
    page = client.get(f"/invite/{invitation.token}/")
    assert page.status_code == 200 and b"Join Band" in page.content
    response = client.post(f"/invite/{invitation.token}/", SIGNUP, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    membership = Membership.objects.get(user__username="newbie")
    assert membership.team == team and not membership.is_owner
    invitation.refresh_from_db()
    assert invitation.used_by == membership.user and invitation.used_at is not None


def test_a_used_invitation_cannot_be_reused(client, owner, team):
    invitation = Invitation.objects.create(team=team, created_by=owner)
    client.post(f"/invite/{invitation.token}/", SIGNUP)
    client.logout()
    response = client.post(f"/invite/{invitation.token}/", {**SIGNUP, "username": "second"})
    assert response.status_code == 410
    assert b"already used" in response.content
    assert not get_user_model().objects.filter(username="second").exists()


def test_an_expired_invitation_is_refused(client, owner, team):
    invitation = Invitation.objects.create(
        team=team, created_by=owner, expires=timezone.now() - timedelta(minutes=1)
    )
    assert client.get(f"/invite/{invitation.token}/").status_code == 410
    response = client.post(f"/invite/{invitation.token}/", SIGNUP)
    assert response.status_code == 410 and b"expired" in response.content
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_an_unknown_invitation_is_404(client, owner):
    assert client.get("/invite/not-a-token/").status_code == 404


def test_owner_removes_a_member_who_can_no_longer_sign_in(owner_client, teammate, team):
    membership = teammate.membership
    response = owner_client.post(f"/team/members/{membership.pk}/remove/", follow=True)
    assert b"tom was removed" in response.content
    assert not Membership.objects.filter(pk=membership.pk).exists()
    teammate.refresh_from_db()
    assert teammate.is_active is False


def test_owner_cannot_remove_a_member_of_another_team(owner_client, outsider):
    response = owner_client.post(f"/team/members/{outsider.membership.pk}/remove/")
    assert response.status_code == 404
    assert Membership.objects.filter(user=outsider).exists()


def test_owner_cannot_remove_themselves(owner_client, owner):
    owner_client.post(f"/team/members/{owner.membership.pk}/remove/")
    assert Membership.objects.filter(user=owner).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/team/invitations/",
        "/team/members/{owner}/remove/",
        "/team/invitations/{invitation}/revoke/",
    ],
)
def test_owner_only_actions_are_refused_to_members(teammate_client, owner, team, path):
    invitation = Invitation.objects.create(team=team, created_by=owner)
    url = path.format(owner=owner.membership.pk, invitation=invitation.pk)
    assert teammate_client.post(url).status_code == 403
    assert Membership.objects.filter(user=owner).exists()
    assert Invitation.objects.filter(team=team).count() == 1


def test_members_see_the_team_page_without_owner_controls(teammate_client, owner):
    page = teammate_client.get("/team/").content.decode()
    assert "olivia" in page and "tom" in page
    assert "Create invitation link" not in page and "Remove" not in page


def test_owner_revokes_an_invitation(owner_client, owner, team):
    invitation = Invitation.objects.create(team=team, created_by=owner)
    owner_client.post(f"/team/invitations/{invitation.pk}/revoke/")
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


def test_login_and_logout(client, owner):
    response = client.post("/login/", {"username": "olivia", "password": "wrong"})
    assert b"Please enter a correct username and password" in response.content
    response = client.post(
        "/login/", {"username": "olivia", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200
    logout = client.post("/logout/")
    # The browser drops this site's storage too: the compose drafts (see static/js/logout.js).
    assert logout["Clear-Site-Data"] == '"storage"'
    assert client.get("/").status_code == 302


def test_the_team_page_is_titled_team_and_shows_its_activity_once(owner_client, team):
    page = owner_client.get(reverse("team")).content.decode()
    assert "<title>Team · Studio</title>" in page
    assert page.count('id="activity"') == 1
