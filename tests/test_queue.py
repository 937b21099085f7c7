"""The queue (live while something is active; cancel, retry) and the settings page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from studio.songs.lifecycle import ErrorCode
from studio.songs.models import Generation
from studio.songs.pipeline.dispatch import UNREACHABLE
from studio.songs.queue.views import elapsed
from tests.pipeline import drive, settled

Status = Generation.Status
POLL = 'hx-trigger="every 2s"'


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make(team, author, status=Status.QUEUED, **fields) -> Generation:
    return Generation.objects.create(
        team=team, author=author, prompt=fields.pop("prompt", "lo-fi beat"), status=status, **fields
    )


def items(html: str) -> dict[int, str]:
    found = re.findall(r'data-generation="(\d+)" data-status="(\w+)"', html)
    return {int(pk): status for pk, status in found}


def test_queue_lists_active_and_recent_songs_with_status_and_polls(owner_client, team, owner):
    queued = make(team, owner, prompt="a queued song")
    running = make(team, owner, Status.RUNNING, jobid="job:1", account_email="alice@example.com")
    failed = make(
        team, owner, Status.FAILED, error_message="Account has no credits", finished=timezone.now()
    )
    old = make(team, owner, Status.COMPLETED)
    Generation.objects.filter(pk=old.pk).update(
        created=timezone.now() - timedelta(days=3), finished=timezone.now() - timedelta(days=3)
    )
    page = owner_client.get(reverse("queue")).content.decode()
    assert items(page) == {queued.pk: "queued", running.pk: "running", failed.pk: "failed"}
    assert POLL in page and 'data-polling="on"' in page
    assert "a queued song" in page and "olivia" in page
    assert "Generating" in page and "Account has no credits" in page  # the upstream's reason
    assert f'action="{reverse("generation_cancel", args=[queued.pk])}"' in page
    assert f'action="{reverse("generation_cancel", args=[running.pk])}"' in page
    assert f'action="{reverse("generation_retry", args=[failed.pk])}"' in page
    assert f'action="{reverse("generation_retry", args=[queued.pk])}"' not in page
    assert f'href="/compose/?from={failed.pk}">Use these settings again' in page


def test_polling_stops_when_nothing_is_active(owner_client, team, owner):
    make(team, owner, Status.COMPLETED, finished=timezone.now())
    make(team, owner, Status.CANCELED, finished=timezone.now())
    page = owner_client.get(reverse("queue")).content.decode()
    assert "hx-trigger" not in page and 'data-polling="off"' in page
    fragment = owner_client.get(reverse("queue_list")).content.decode()
    assert "hx-trigger" not in fragment


def test_the_polling_view_renders_only_the_fragment(owner_client, team, owner):
    make(team, owner)
    fragment = owner_client.get(reverse("queue_list"), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="queue-list"')
    assert "<html" not in fragment and POLL in fragment


def test_the_queue_says_when_the_upstream_is_unreachable(owner_client, team, owner):
    make(
        team,
        owner,
        error_code=ErrorCode.UNREACHABLE,
        error_message=f"{UNREACHABLE} Could not connect to Flow Music.",
    )
    page = owner_client.get(reverse("queue")).content.decode()
    assert 'data-upstream="unreachable"' in page
    assert "Flow Music is unreachable" in page and "Could not connect to Flow Music." in page


def test_a_cover_thumbnail_is_shown(owner_client, team, owner):
    from tests.test_compose import an_image

    cover = an_image(team, owner)
    make(team, owner, cover_art=cover)
    page = owner_client.get(reverse("queue")).content.decode()
    assert f'src="{reverse("cover_image", args=[cover.pk])}"' in page


def test_cancel_a_queued_song(owner_client, team, owner):
    generation = make(team, owner)
    response = owner_client.post(reverse("generation_cancel", args=[generation.pk]), follow=True)
    generation.refresh_from_db()
    assert generation.status == Status.CANCELED
    page = response.content.decode()
    assert "Nothing was sent to Flow Music, so no credits were spent." in page
    assert items(page)[generation.pk] == "canceled"


def test_cancel_a_finished_song_explains_why_not(owner_client, team, owner):
    generation = make(team, owner, Status.COMPLETED)
    response = owner_client.post(reverse("generation_cancel", args=[generation.pk]), follow=True)
    assert "can no longer be canceled" in response.content.decode()


@pytest.mark.usefixtures("pipeline")
def test_cancel_a_running_song_warns_about_credits(owner_client, team, owner, simulator):
    simulator.state.latency = 30
    owner_client.post(reverse("compose"), {"prompt": "slow song"})
    generation = Generation.objects.get()
    assert generation.status == Status.RUNNING
    response = owner_client.post(reverse("generation_cancel", args=[generation.pk]), follow=True)
    assert "credits may still be spent" in response.content.decode()
    assert Generation.objects.get().status == Status.CANCELED


@pytest.mark.usefixtures("pipeline")
def test_retry_a_failed_song(owner_client, team, owner, teammate):
    failed = make(team, teammate, Status.FAILED, error_message="nope", instrumental=True)
    response = owner_client.post(reverse("generation_retry", args=[failed.pk]), follow=True)
    assert "Submitted again" in response.content.decode()
    retry = Generation.objects.exclude(pk=failed.pk).get()
    assert retry.retried_from == failed and retry.author == owner and retry.instrumental
    drive(settled)
    retry.refresh_from_db()
    assert retry.status == Status.COMPLETED
    assert Generation.objects.get(pk=failed.pk).status == Status.FAILED


def test_outsiders_get_404_for_cancel_and_retry(client, team, owner, outsider):
    queued, failed = make(team, owner), make(team, owner, Status.FAILED)
    client.force_login(outsider)
    assert client.post(reverse("generation_cancel", args=[queued.pk])).status_code == 404
    assert client.post(reverse("generation_retry", args=[failed.pk])).status_code == 404
    assert items(client.get(reverse("queue")).content.decode()) == {}
    assert Generation.objects.get(pk=queued.pk).status == Status.QUEUED
    assert Generation.objects.count() == 2


def test_cancel_and_retry_need_post(owner_client, team, owner):
    generation = make(team, owner, Status.FAILED)
    assert owner_client.get(reverse("generation_cancel", args=[generation.pk])).status_code == 405
    assert owner_client.get(reverse("generation_retry", args=[generation.pk])).status_code == 405


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (59, "59 s"), (65, "1 min 05 s"), (3600 + 7 * 60, "1 h 07 min")],
)
def test_elapsed_time_is_short(seconds, text):
    start = timezone.now()
    assert elapsed(start, start + timedelta(seconds=seconds)) == text


# Settings -----------------------------------------------------------------------------------


def test_settings_shows_the_upstream_and_accounts_but_never_a_token(
    owner_client, team, owner, simulator, settings
):
    settings.RSFLOWHUB_API_KEY = "rsflowhub-key-that-must-not-show"
    make(team, owner, Status.FAILED, error_message="Account carol@example.com has no credits")
    page = owner_client.get(reverse("settings")).content.decode()
    assert 'data-upstream="reachable"' in page
    assert simulator.flowmusic_url in page
    for email in ("alice@example.com", "bob@example.com", "broken@example.com"):
        assert f'data-account="{email}"' in page
    assert "refresh token rejected" in page  # the account's error
    assert "Account carol@example.com has no credits" in page  # last errors
    assert "rsflowhub cover art</dt><dd>on" in page
    for secret in (simulator.token, settings.RSFLOWHUB_API_KEY, settings.SECRET_KEY):
        assert secret not in page


def test_settings_says_when_the_upstream_is_unreachable(owner_client, settings, db):
    settings.FLOWMUSIC_API_URL = "http://127.0.0.1:9/v1/flowmusic"
    settings.FLOWMUSIC_API_TOKEN = "token-that-must-not-show"
    page = owner_client.get(reverse("settings")).content.decode()
    assert 'data-upstream="unreachable"' in page
    assert "token-that-must-not-show" not in page


def test_settings_shows_only_this_teams_errors(owner_client, other_team, outsider, settings):
    settings.FLOWMUSIC_API_URL = "http://127.0.0.1:9/v1/flowmusic"
    make(other_team, outsider, Status.FAILED, error_message="their private failure")
    page = owner_client.get(reverse("settings")).content.decode()
    assert "their private failure" not in page


def test_without_cover_art_the_queue_shows_the_takes_own_artwork(owner_client, team, owner):
    from tests.test_library import make_song

    generation = make_song(team, owner)
    Generation.objects.filter(pk=generation.pk).update(finished=timezone.now())
    clip = generation.clips.get(slot="A")
    page = owner_client.get(reverse("queue")).content.decode()
    assert f'src="{reverse("clip_file", args=[clip.pk, "image"])}"' in page
    assert f'href="{reverse("song", args=[generation.pk])}"' in page  # "Open" goes to its page
