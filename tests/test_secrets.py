"""Secrets stay secret (DESIGN §5.5): no API token in pages, logs, errors, admin or the DB."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core import serializers
from django.urls import reverse

from studio.flowmusic import FlowMusicClient, UpstreamError
from studio.simulator.server import SimulatorServer
from studio.songs.models import Generation
from tests.pipeline import drive, settled, song

TOKEN = "fm-live-7Hq2xSECRETxZx9"


@pytest.fixture(scope="module")
def secret_upstream():
    with SimulatorServer(token=TOKEN, latency=0.05) as server:
        yield server


@pytest.fixture
def upstream(secret_upstream, settings, sync_tasks, transactional_db, tmp_path):
    secret_upstream.state.reset()
    settings.FLOWMUSIC_API_URL = secret_upstream.flowmusic_url
    settings.FLOWMUSIC_API_TOKEN = TOKEN
    settings.RSFLOWHUB_API_URL = secret_upstream.rsflowhub_url
    settings.RSFLOWHUB_API_KEY = TOKEN
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_URL = None
    return secret_upstream


def pages(client, generation) -> list[str]:
    clip = generation.clips.get(slot="A")
    paths = [
        "/",
        "/compose/",
        "/queue/",
        "/queue/list",
        "/settings/",
        "/team/",
        "/healthz",
        f"/compose/?from={generation.pk}",
        f"/clips/{clip.pk}/lrc",
        f"/generations/{generation.pk}/zip",
    ]
    bodies = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        content = b"".join(response.streaming_content) if response.streaming else response.content
        bodies.append(content.decode("utf-8", "replace"))
    return bodies


def test_the_token_appears_nowhere(upstream, team, owner, owner_client, caplog, client):
    caplog.set_level(logging.DEBUG)
    generation = song(team, owner, lyrics="[Verse]\nsecret keeper")
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Generation.Status.COMPLETED

    for body in pages(owner_client, generation):
        assert TOKEN not in body

    # The admin, every model's list and one object of each.
    root = get_user_model().objects.create_superuser("root", "r@example.com", "pw-pw-pw-pw")
    client.force_login(root)
    for model in admin.site._registry:
        meta = model._meta
        listing = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        assert listing.status_code == 200 and TOKEN not in listing.content.decode()
        obj = model.objects.first()
        if obj is not None:
            page = client.get(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            )
            assert TOKEN not in page.content.decode(), meta.label

    # Every row of every table.
    for model in apps.get_models():
        dump = serializers.serialize("json", model.objects.all())
        assert TOKEN not in dump, model._meta.label

    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert caplog.records and TOKEN not in logged


def test_errors_never_carry_a_token(upstream, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "fm-wrong-0000xSECRETx1111"
    with (
        FlowMusicClient(upstream.flowmusic_url, wrong) as client,
        pytest.raises(UpstreamError) as caught,
    ):
        client.list_accounts()
    error = caught.value
    for text in (str(error), repr(error), error.message, error.detail):
        assert wrong not in text and TOKEN not in text
    assert "FLOWMUSIC_API_TOKEN" in error.message
    assert wrong not in caplog.text


def test_a_wrong_token_is_explained_on_the_settings_page(upstream, owner_client, settings):
    settings.FLOWMUSIC_API_TOKEN = "fm-wrong-0000xSECRETx1111"
    page = owner_client.get("/settings/").content.decode()
    assert "FLOWMUSIC_API_TOKEN" in page
    assert "fm-wrong-0000xSECRETx1111" not in page and TOKEN not in page
