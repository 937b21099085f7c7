"""Shared fixtures: a fixed cast (owner, teammate, outsider from another team)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from studio.teams.models import Membership, Team

pytest_plugins = ["tests.simulator_fixtures", "tests.pipeline", "tests.hostile", "tests.s3"]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # The real hasher costs ~0.3 s per user; tests make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages name static files without needing `collectstatic`'s manifest on a fresh clone.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def make_member(team: Team, username: str, role: str = Membership.Role.MEMBER):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    Membership.objects.create(user=user, team=team, role=role)
    return user


@pytest.fixture
def team(db) -> Team:
    return Team.objects.create(name="Band")


@pytest.fixture
def owner(team):
    return make_member(team, "olivia", Membership.Role.OWNER)


@pytest.fixture
def teammate(team):
    return make_member(team, "tom")


@pytest.fixture
def other_team(db) -> Team:
    return Team.objects.create(name="Rivals")


@pytest.fixture
def outsider(other_team):
    return make_member(other_team, "oscar", Membership.Role.OWNER)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def teammate_client(client, teammate):
    client.force_login(teammate)
    return client
