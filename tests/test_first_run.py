from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from studio.teams.models import Membership, Team

pytestmark = pytest.mark.django_db


def test_a_fresh_instance_sends_every_page_to_the_first_run_page(client):
    for path in ["/", "/compose/", "/queue/", "/team/", "/login/"]:
        response = client.get(path, follow=True)
        assert response.redirect_chain[-1][0] == "/setup/"
        assert b"Create the first account" in response.content


def test_the_first_account_owns_a_new_team_and_is_signed_in(client):
    response = client.post(
        "/setup/",
        {
            "username": "ada",
            "email": "",
            "team_name": "Night Owls",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/"
    assert response.context["user"].username == "ada"
    membership = Membership.objects.get(user__username="ada")
    assert membership.team.name == "Night Owls" and membership.is_owner
    # Once an account exists the first-run page is gone.
    client.logout()
    assert client.get("/setup/").url == "/login/"


def test_first_run_form_errors_are_shown(client):
    response = client.post(
        "/setup/",
        {
            "username": "ada",
            "team_name": "T",
            "password1": "short",
            "password2": "other",
        },
    )
    assert response.status_code == 200
    assert b"didn\xe2\x80\x99t match" in response.content
    assert not get_user_model().objects.exists()


def test_createsuperuser_noinput_joins_the_first_team(monkeypatch, client):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-pass-phrase")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")
    call_command("createsuperuser", interactive=False, verbosity=0)
    membership = Membership.objects.get(user__username="root")
    assert membership.team == Team.objects.get() and membership.is_owner
    assert client.login(username="root", password="a-long-pass-phrase")
    assert client.get("/").status_code == 200


def test_a_superuser_joins_the_existing_first_team(owner, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-pass-phrase")
    call_command(
        "createsuperuser", interactive=False, username="admin2", email="a@example.com", verbosity=0
    )
    assert Membership.objects.get(user__username="admin2").team == owner.membership.team
