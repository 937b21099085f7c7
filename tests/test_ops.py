"""Health, security headers, login throttling, backup/restore."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import call_command

from studio.ops.security import CONTENT_SECURITY_POLICY
from studio.songs import services
from studio.songs.models import Clip, Generation
from studio.songs.pipeline import leases
from studio.teams.models import Team


@pytest.mark.django_db
def test_every_page_sends_a_self_only_csp_and_safe_headers(owner_client):
    response = owner_client.get("/")
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_healthz_reports_each_part_without_secrets(client, simulator, settings):
    settings.FLOWMUSIC_API_TOKEN = simulator.token
    cache.clear()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["upstream"]["ok"] is True and body["upstream"]["accounts"] == 4
    assert body["worker"]["ok"] is False  # no worker has run here
    assert body["status"] == "degraded"
    assert simulator.token not in response.content.decode()
    leases.beat()
    body = client.get("/healthz").json()
    assert body["worker"]["ok"] is True and body["ingest"]["ok"] is False  # one cluster each
    leases.beat(leases.INGEST_HEARTBEAT)  # as the ingest cluster's qcluster does
    assert client.get("/healthz").json()["ingest"]["ok"] is True


@pytest.mark.django_db
def test_healthz_says_when_the_upstream_is_unreachable(client, settings):
    cache.clear()
    settings.FLOWMUSIC_API_URL = "http://127.0.0.1:9/v1/flowmusic"
    body = client.get("/healthz").json()
    assert body["upstream"]["ok"] is False and "connect" in body["upstream"]["error"].lower()


@pytest.mark.django_db
def test_failed_logins_are_throttled_per_username(client, owner):
    for _ in range(5):
        response = client.post("/login/", {"username": "olivia", "password": "nope"})
        assert b"Please enter a correct username" in response.content
    # Even the right password is refused now, with a clear message.
    response = client.post(
        "/login/", {"username": "olivia", "password": "correct-horse-battery-staple"}
    )
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_failed_logins_are_throttled_per_ip(client, owner, teammate):
    for i in range(5):
        client.post("/login/", {"username": f"guess{i}", "password": "nope"})
    response = client.post(
        "/login/", {"username": "tom", "password": "correct-horse-battery-staple"}
    )
    assert b"Too many failed sign-in attempts" in response.content


@pytest.mark.django_db
def test_a_successful_login_clears_the_username_count(client, owner):
    for _ in range(4):
        client.post("/login/", {"username": "olivia", "password": "nope"})
    client.post("/login/", {"username": "olivia", "password": "correct-horse-battery-staple"})
    client.logout()
    for _ in range(4):
        client.post("/login/", {"username": "olivia", "password": "nope"})
    response = client.post(
        "/login/", {"username": "olivia", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_a_library(tmp_path, settings, owner, team):
    settings.MEDIA_ROOT = tmp_path / "media"
    generation = Generation.objects.create(
        team=team, author=owner, prompt="keep me", status=Generation.Status.COMPLETED
    )
    clip = Clip.objects.create(generation=generation, slot="A", clip_id="clip-1", title="Kept")
    clip.wav.save("kept.wav", ContentFile(b"RIFF-not-really-but-bytes"))
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive, stdout=io.StringIO())
    assert archive.exists()

    Generation.objects.all().delete()
    Team.objects.create(name="made after the backup")
    (tmp_path / "media" / clip.wav.name).unlink()

    out = io.StringIO()
    call_command("restore", str(archive), yes=True, stdout=out)
    restored = Clip.objects.get(clip_id="clip-1")
    assert restored.generation.prompt == "keep me"
    assert not Team.objects.filter(name="made after the backup").exists()
    with restored.wav.open("rb") as handle:
        assert handle.read() == b"RIFF-not-really-but-bytes"
    assert "Restored the backup made" in out.getvalue()


@pytest.mark.usefixtures("sync_tasks")
@pytest.mark.django_db(transaction=True)
def test_upstream_down_pages_load_and_the_queue_says_it_will_retry(
    owner_client, team, owner, settings
):
    settings.FLOWMUSIC_API_URL = "http://127.0.0.1:9/v1/flowmusic"  # nothing listens there
    settings.FLOWMUSIC_API_TOKEN = "tok"
    generation = services.create_generation(team=team, author=owner, prompt="rain, 70 bpm")
    generation.refresh_from_db()
    assert generation.status == Generation.Status.QUEUED
    assert generation.error_message.startswith("Upstream unreachable, will retry.")
    for path in ("/", "/compose/", "/queue/", "/settings/", "/team/"):
        assert owner_client.get(path).status_code == 200, path
    assert "Upstream unreachable, will retry." in owner_client.get("/queue/").content.decode()
