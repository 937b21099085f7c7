"""Cover art and references: background generation (Flow Music, rsflowhub), picking, uploads
checked by content, reference audio; against the simulator over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from studio.flowmusic.errors import IMAGE_DECLINED_MESSAGE
from studio.songs import filecheck
from studio.songs.compose import covers
from studio.songs.models import AccountAsset, CoverArt, CoverArtJob, ReferenceAudio
from tests.upstream_samples import png_bytes, png_header_only, wav_bytes

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(client, content: bytes, name: str, *, purpose="cover", content_type="image/png"):
    file = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(reverse("image_upload"), {"image": file, "purpose": purpose}, **HTMX)


# Background generation ----------------------------------------------------------------------


@pytest.mark.usefixtures("pipeline")
def test_flowmusic_cover_art_is_generated_in_the_background_and_stored(owner_client, simulator):
    response = owner_client.post(
        reverse("cover_generate"), {"prompt": "neon city at night, synthwave"}, **HTMX
    )
    assert response.status_code == 200
    job = CoverArtJob.objects.get()
    # The task ran (synchronously here) once the row was committed.
    assert job.status == CoverArtJob.Status.COMPLETED, job.error_message
    cover = CoverArt.objects.get(pk=job.cover_ids[0])
    assert cover.provider == CoverArt.Provider.FLOWMUSIC
    assert cover.asset_id and cover.account_email.endswith("@example.com")
    assert cover.content_type == "image/jpeg" and (cover.width, cover.height) == (1024, 1024)
    with cover.image.open("rb") as handle:
        assert Image.open(handle).format == "JPEG"
    generated = [r for r in simulator.state.requests if r.route == "POST /files/generate"]
    assert len(generated) == 1 and generated[0].json["prompt"] == "neon city at night, synthwave"

    # The status fragment shows the result as a pickable grid, and stops polling.
    fragment = owner_client.get(reverse("cover_job", args=[job.pk])).content.decode()
    assert 'data-status="completed"' in fragment and "every 1s" not in fragment
    assert f'name="cover_art" value="{cover.pk}"' in fragment
    assert 'form="song-form"' in fragment and "checked" in fragment
    assert 'alt="Cover option 1: neon city at night, synthwave"' in fragment


def test_a_pending_job_polls_every_second_with_a_visible_progress_state(owner_client, team, owner):
    job = CoverArtJob.objects.create(team=team, author=owner, provider="flowmusic", prompt="sun")
    fragment = owner_client.get(reverse("cover_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in fragment
    assert "Generating cover art…" in fragment and 'class="spinner"' in fragment


@pytest.mark.usefixtures("pipeline")
def test_a_declined_prompt_says_so_exactly(owner_client):
    owner_client.post(reverse("cover_generate"), {"prompt": "something forbidden"}, **HTMX)
    job = CoverArtJob.objects.get()
    assert job.status == CoverArtJob.Status.FAILED
    assert job.error_message == IMAGE_DECLINED_MESSAGE
    fragment = owner_client.get(reverse("cover_job", args=[job.pk])).content.decode()
    assert IMAGE_DECLINED_MESSAGE in fragment
    assert not CoverArt.objects.exists()


@pytest.mark.usefixtures("pipeline")
def test_other_upstream_errors_show_their_message(owner_client, simulator):
    owner_client.post(
        reverse("cover_generate"), {"prompt": "calm sea", "account": "broken@example.com"}, **HTMX
    )
    job = CoverArtJob.objects.get()
    assert job.status == CoverArtJob.Status.FAILED
    assert "refresh token rejected" in job.error_message


@pytest.mark.usefixtures("pipeline")
def test_rsflowhub_makes_n_images_and_picking_one_uploads_it(owner_client, simulator):
    response = owner_client.post(
        reverse("cover_generate"),
        {
            "prompt": "paper boats",
            "provider": "rsflowhub",
            "style": "illustration",
            "size": "1024x1024",
            "n": "2",
        },
        **HTMX,
    )
    assert response.status_code == 200
    job = CoverArtJob.objects.get()
    assert job.status == CoverArtJob.Status.COMPLETED, job.error_message
    assert job.credits_used == 40
    images = list(CoverArt.objects.filter(pk__in=job.cover_ids))
    assert len(images) == 2
    assert all(c.provider == "rsflowhub" and not c.asset_id for c in images)
    assert all(c.content_type == "image/png" and c.image for c in images)

    picked = images[1]
    response = owner_client.post(reverse("cover_use", args=[picked.pk]), {"account": ""}, **HTMX)
    assert response.status_code == 200
    uploads_seen = [r for r in simulator.state.requests if r.route == "POST /files"]
    assert len(uploads_seen) == 1
    picked.refresh_from_db()
    assert picked.asset_id and picked.asset_id in response.content.decode()
    # Picking it again does not upload again.
    owner_client.post(reverse("cover_use", args=[picked.pk]), {"account": ""}, **HTMX)
    assert len([r for r in simulator.state.requests if r.route == "POST /files"]) == 1


@pytest.mark.usefixtures("pipeline")
def test_using_a_cover_on_another_account_uploads_it_there_once(owner_client, simulator):
    owner_client.post(
        reverse("cover_generate"), {"prompt": "fox", "account": "alice@example.com"}, **HTMX
    )
    cover = CoverArt.objects.get()
    assert cover.account_email == "alice@example.com"
    response = owner_client.post(
        reverse("cover_use", args=[cover.pk]), {"account": "bob@example.com"}, **HTMX
    )
    assert "bob@example.com" in response.content.decode()
    asset = AccountAsset.objects.get(cover_art=cover)
    assert asset.account_email == "bob@example.com" and asset.asset_id != cover.asset_id


def test_rsflowhub_choice_is_only_offered_when_configured(owner_client, simulator, settings):
    page = owner_client.get(reverse("compose")).content.decode()
    assert 'name="provider" value="rsflowhub"' in page and "data-cost" in page
    settings.RSFLOWHUB_API_KEY = None
    page = owner_client.get(reverse("compose")).content.decode()
    assert 'value="rsflowhub"' not in page and "Generate cover art" in page


@pytest.mark.usefixtures("pipeline")
def test_re_running_a_started_cover_job_is_a_no_op(owner_client, simulator):
    owner_client.post(reverse("cover_generate"), {"prompt": "quiet forest"}, **HTMX)
    job = CoverArtJob.objects.get()
    before = len(simulator.state.requests)
    covers.run_job(job.pk)
    assert len(simulator.state.requests) == before
    assert CoverArt.objects.count() == 1


def test_a_job_whose_worker_died_stops_spinning(owner_client, team, owner):
    job = CoverArtJob.objects.create(team=team, author=owner, provider="flowmusic", prompt="x")
    CoverArtJob.objects.filter(pk=job.pk).update(created=job.created - covers.JOB_TIMEOUT * 2)
    fragment = owner_client.get(reverse("cover_job", args=[job.pk])).content.decode()
    assert "took too long" in fragment and "hx-trigger" not in fragment


def test_an_empty_cover_prompt_is_a_form_error(owner_client, simulator):
    response = owner_client.post(reverse("cover_generate"), {"prompt": "  "}, **HTMX)
    assert "the cover art prompt is empty" in response.content.decode()
    assert not CoverArtJob.objects.exists()


# Uploads ------------------------------------------------------------------------------------


def test_a_real_png_is_uploaded_to_flow_music_and_kept(owner_client, simulator, settings):
    response = upload(owner_client, png_bytes(), "cover.png")
    assert response.status_code == 200
    cover = CoverArt.objects.get()
    assert cover.provider == "upload" and cover.content_type == "image/png"
    assert (cover.width, cover.height) == (64, 48)
    sent = [r for r in simulator.state.requests if r.route == "POST /files"]
    assert len(sent) == 1 and cover.asset_id and cover.account_email
    html = response.content.decode()
    assert 'hx-swap-oob="beforeend:#cover-picked"' in html
    assert f'name="cover_art" value="{cover.pk}"' in html


def test_the_type_is_judged_by_content_not_by_name(owner_client, simulator):
    upload(owner_client, png_bytes(fmt="JPEG"), "notes.txt", content_type="text/plain")
    assert CoverArt.objects.get().content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"just some text, not an image\n" * 10, "fake.png", "not an image"),
        (png_bytes((300, 300))[:200], "truncated.png", "damaged or incomplete"),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
            b'height="10"><script>alert(1)</script></svg>',
            "vector.png",
            "SVG images are not accepted",
        ),
        (png_header_only(30_000, 30_000), "bomb.png", "too many pixels"),
        (png_bytes((4, 4)), "tiny.png", "at least 16 px"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (20 * 1024 * 1024), "huge.png", "limit is 20 MB"),
    ],
)
def test_bad_images_are_refused_with_a_clear_error_and_nothing_stored(
    owner_client, simulator, settings, content, name, words
):
    response = upload(owner_client, content, name)
    html = response.content.decode()
    assert "data-upload-error" in html and words in html
    assert not CoverArt.objects.exists()
    assert stored_files(settings) == []
    assert not [r for r in simulator.state.requests if r.route == "POST /files"]


def test_an_image_flow_music_refuses_is_not_kept(owner_client, simulator):
    response = owner_client.post(
        reverse("image_upload"),
        {
            "image": SimpleUploadedFile("a.png", png_bytes()),
            "purpose": "cover",
            "account": "broken@example.com",
        },
        **HTMX,
    )
    assert "Flow Music did not take the image" in response.content.decode()
    assert not CoverArt.objects.exists()


def test_extra_reference_images_are_listed_as_checked_references(owner_client, simulator):
    response = upload(owner_client, png_bytes(), "ref.png", purpose="extra")
    image = CoverArt.objects.get()
    html = response.content.decode()
    assert 'hx-swap-oob="beforeend:#extra-images"' in html
    assert f'name="extra_images" value="{image.pk}" form="song-form" checked' in html


def test_without_javascript_an_upload_returns_to_compose_with_it_picked(owner_client, simulator):
    response = owner_client.post(
        reverse("image_upload"),
        {"image": SimpleUploadedFile("a.png", png_bytes()), "purpose": "cover"},
    )
    cover = CoverArt.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"?cover={cover.pk}")
    page = owner_client.get(response.url).content.decode()
    assert f'name="cover_art" value="{cover.pk}" form="song-form" checked' in page


def test_reference_audio_wav_is_accepted(owner_client, settings):
    file = SimpleUploadedFile("My Hum.wav", wav_bytes(), content_type="audio/wav")
    response = owner_client.post(reverse("audio_upload"), {"audio": file}, **HTMX)
    audio = ReferenceAudio.objects.get()
    assert audio.content_type == "audio/wav" and audio.name == "My_Hum.wav"
    assert audio.audio.name.endswith(".wav")
    html = response.content.decode()
    assert f'name="reference_audio" value="{audio.pk}" form="song-form" checked' in html


@pytest.mark.parametrize(
    "content", [b"", b"MZ\x90\x00 not audio at all" * 4, png_bytes(), b"RIFF\x00\x00\x00\x00AVI "]
)
def test_junk_reference_audio_is_refused(owner_client, settings, content):
    file = SimpleUploadedFile("song.mp3", content, content_type="audio/mpeg")
    response = owner_client.post(reverse("audio_upload"), {"audio": file}, **HTMX)
    assert "data-upload-error" in response.content.decode()
    assert not ReferenceAudio.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00", "audio/mp4"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xf1\x50\x80\x00\x1f\xfc\x00", "audio/aac"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", None),
    ],
)
def test_audio_types_come_from_magic_bytes(head, expected):
    assert filecheck.audio_type(head) == expected


# Team isolation -----------------------------------------------------------------------------


def test_outsiders_get_404_for_cover_views(client, team, owner, outsider, simulator):
    cover = CoverArt.objects.create(
        team=team,
        author=owner,
        provider="upload",
        image=SimpleUploadedFile("c.png", png_bytes()),
        content_type="image/png",
    )
    job = CoverArtJob.objects.create(team=team, author=owner, provider="flowmusic", prompt="p")
    client.force_login(outsider)
    assert client.get(reverse("cover_image", args=[cover.pk])).status_code == 404
    assert client.get(reverse("cover_job", args=[job.pk])).status_code == 404
    assert client.post(reverse("cover_use", args=[cover.pk]), **HTMX).status_code == 404
    # Another team's images cannot be slipped into a song either.
    response = client.post(reverse("compose"), {"prompt": "x", "cover_art": cover.pk})
    assert "not available" in response.content.decode()
    client.force_login(owner)
    assert client.get(reverse("cover_image", args=[cover.pk])).status_code == 200
