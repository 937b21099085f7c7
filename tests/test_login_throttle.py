"""The sign-in throttle (5 failures per 15 minutes, per username and per client address) counts
the username as Django looks it up, covers every login form, and lifts after the window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
TOO_MANY = b"Too many failed sign-in attempts"
# What the form's strip + NFKC turn into "olivia": padding, a tab, full-width letters.
SAME_USERNAME = [" olivia", "olivia ", "\tolivia", "olivia\n", "ｏｌｉｖｉａ", "\u3000olivia"]


def fail(client, username: str, times: int = 1, **extra) -> None:
    for _ in range(times):
        response = client.post("/login/", {"username": username, "password": "nope"}, **extra)
        assert TOO_MANY not in response.content, username


def fail_from_many_addresses(client, usernames: list[str]) -> None:
    """One failure per address, so only the per-username count can add up to the limit."""
    for i, username in enumerate(usernames):
        fail(client, username, REMOTE_ADDR=f"192.0.2.{i + 1}")


def sign_in(client, username: str, **extra):
    return client.post("/login/", {"username": username, "password": PASSWORD}, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_same_username_written_differently_signs_in_before_the_limit(client, owner):
    for username in SAME_USERNAME:
        assert sign_in(client, username).status_code == 302, repr(username)
        client.logout()


@pytest.mark.parametrize("username", SAME_USERNAME)
def test_a_padded_or_full_width_username_is_locked_out_with_the_plain_one(client, owner, username):
    fail_from_many_addresses(client, ["olivia"] * 5)
    response = sign_in(client, username, REMOTE_ADDR="198.51.100.1")
    assert TOO_MANY in response.content
    assert not signed_in(client)


def test_failures_under_different_spellings_add_up(client, owner):
    fail_from_many_addresses(
        client, [" olivia", "ｏｌｉｖｉａ", "Olivia", "ＯＬＩＶＩＡ", "olivia\t"]
    )
    assert TOO_MANY in sign_in(client, "olivia", REMOTE_ADDR="198.51.100.1").content
    assert not signed_in(client)


def test_the_admin_login_is_locked_out_too(client, owner):
    get_user_model().objects.create_superuser("root", password=PASSWORD)
    fail_from_many_addresses(client, ["root"] * 5)
    client.post(
        "/admin/login/", {"username": "root", "password": PASSWORD}, REMOTE_ADDR="198.51.100.1"
    )
    assert not signed_in(client)
    assert client.get("/admin/").status_code == 302


def test_the_lock_lifts_after_15_minutes(client, owner):
    fail(client, "olivia", times=5)
    assert TOO_MANY in sign_in(client, "olivia").content
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(client, "olivia").status_code == 302


def test_a_sign_in_clears_its_username_but_not_its_address(client, owner, teammate):
    for i in range(4):
        fail(client, f"guess{i}")
    assert sign_in(client, "olivia").status_code == 302
    client.logout()
    fail(client, "guess4")
    assert TOO_MANY in sign_in(client, "tom").content


def test_behind_the_proxy_the_address_is_the_one_it_forwarded(client, settings, teammate):
    # What settings.py uses when PUBLIC_URL is https (behind nginx's X-Forwarded-For).
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    for i in range(5):
        # A client cannot change its address by sending its own X-Forwarded-For first.
        fail(client, f"guess{i}", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 198.51.100.7")
    locked = sign_in(client, "tom", HTTP_X_FORWARDED_FOR="203.0.113.1, 198.51.100.7")
    assert TOO_MANY in locked.content
    other = sign_in(client, "tom", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.status_code == 302
