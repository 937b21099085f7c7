"""`manage.py seed_library`: many songs fast, for benchmarks and demos."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from studio.library.lrc import lyric_lines
from studio.songs.models import Clip, Generation
from studio.teams.models import Membership, Team

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def seed(**options) -> None:
    call_command("seed_library", stdout=io.StringIO(), **options)


def test_it_creates_the_requested_songs_for_users_in_two_teams():
    seed(generations=30, users=4)
    assert Generation.objects.count() == 30
    assert Clip.objects.count() == 60
    assert Team.objects.count() == 2
    assert Membership.objects.count() == 4
    assert Generation.objects.values("team").distinct().count() == 2
    assert set(Generation.objects.values_list("status", flat=True)) == {"completed"}
    assert not Clip.objects.exclude(slot__in=["A", "B"]).exists()


def test_every_clip_points_at_real_files(settings):
    seed(generations=10)
    for clip in Clip.objects.all():
        for stored in (clip.wav, clip.audio, clip.image):
            assert Path(stored.path).is_file()
            assert Path(stored.path).is_relative_to(settings.MEDIA_ROOT)
    with open(Clip.objects.first().wav.path, "rb") as wav:
        assert wav.read(4) == b"RIFF"


def test_sung_clips_have_tagged_lyrics_with_a_timing_per_sung_line():
    seed(generations=40)
    vocal = Clip.objects.filter(generation__instrumental=False)
    assert vocal.exists() and Clip.objects.filter(generation__instrumental=True).exists()
    for clip in vocal:
        lines = lyric_lines(clip.lyrics, clip.lyrics_timing)
        sung = [line for line in lines if line.kind == "sung"]
        assert 12 <= len(sung) <= 30
        assert all(line.timed for line in sung)
        assert any(line.kind == "tag" for line in lines)
        assert len(clip.peaks) == 800


def test_songs_spread_over_months_and_a_few_are_picked():
    seed(generations=200)
    created = sorted(Generation.objects.values_list("created", flat=True))
    assert (created[-1] - created[0]).days > 60
    assert 0 < Clip.objects.filter(is_pick=True).count() < 60


def test_reset_replaces_the_seeded_songs_and_a_second_run_adds_more():
    seed(generations=12)
    seed(generations=5)
    assert Generation.objects.count() == 17
    seed(generations=7, reset=True)
    assert Generation.objects.count() == 7
    assert Clip.objects.count() == 14


def test_it_refuses_more_teams_than_users():
    with pytest.raises(CommandError):
        seed(generations=1, teams=3, users=2)
