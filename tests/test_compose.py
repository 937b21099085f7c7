"""The compose page: its labels (DESIGN §6), server-side validation that keeps the draft, song
creation (submitted with the picked cover as refImage1) and "Use these settings again"."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from studio.songs.models import CoverArt, CoverArtJob, Generation, ReferenceAudio
from tests.pipeline import drive, settled

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def an_image(team, owner, **fields) -> CoverArt:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "navy").save(out, format="PNG")
    defaults = {"provider": "upload", "content_type": "image/png", "asset_id": ""}
    return CoverArt.objects.create(
        team=team,
        author=owner,
        image=SimpleUploadedFile("i.png", out.getvalue()),
        **{**defaults, **fields},
    )


def test_compose_shows_every_control_with_its_visible_label(owner_client, simulator):
    page = owner_client.get(reverse("compose")).content.decode()
    for label in (
        "Prompt",
        "Lyrics",
        "Instrumental",
        "Lyrics writer",
        "Account",
        "Cover art prompt",
    ):
        assert re.search(rf"<label for=\"[^\"]+\">{label}</label>", page), label
    for button in ("Generate cover art", "Upload image", "Create song · ~10 credits"):
        assert f">{button}</button>" in page
    assert "Reference audio" in page
    assert "experimental — Flow Music says it may not influence the result" in page
    assert page.count("0 / 10,000") == 2  # prompt and lyrics counters
    for tag in ("[Verse]", "[Pre-Chorus]", "[Chorus]", "[Bridge]", "[Outro]"):
        assert f'data-insert-tag="{tag}"' in page
    assert "Instrumental songs have no lyrics" in page
    assert "Only used when Flow Music writes the lyrics" in page
    # Accounts as Flow Music lists them, with credits; the one in error says so.
    assert '<option value="" selected>Auto</option>' in page
    assert "alice@example.com — 1,000 credits" in page
    assert "broken@example.com — error: refresh token rejected, Auto skips it" in page
    assert "carol@example.com — no credits, Auto skips it" in page
    assert 'data-error="refresh token rejected"' in page
    assert 'id="account-warning"' in page


def test_compose_page_has_no_inline_code_or_styles(owner_client, simulator):
    page = owner_client.get(reverse("compose")).content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    for attributes, body in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
        assert "src=" not in attributes or not body.strip()
    assert not re.search(r"\sstyle=", page)
    assert not re.search(r"\son[a-z]+=", page)
    assert "/static/js/compose.js" in page and "/static/css/compose.css" in page


def test_create_song_queues_a_generation_with_the_fields(owner_client, team, owner, simulator):
    cover = an_image(team, owner, asset_id="a1", account_email="alice@example.com")
    extra_1, extra_2 = an_image(team, owner), an_image(team, owner)
    audio = ReferenceAudio.objects.create(
        team=team, author=owner, name="hum.wav", content_type="audio/wav", audio="x.wav"
    )
    response = owner_client.post(
        reverse("compose"),
        {
            "prompt": "dream pop, shimmering guitars",
            "lyrics": "[Verse]\r\nHello\r\n[Chorus]\r\nAgain",
            "ghostwriter": "pro",
            "account": "alice@example.com",
            "cover_art": cover.pk,
            "extra_images": [extra_2.pk, extra_1.pk],
            "reference_audio": [audio.pk],
        },
    )
    assert response.status_code == 302 and response.url == reverse("queue")
    generation = Generation.objects.get()
    assert generation.status == Generation.Status.QUEUED
    assert generation.team == team and generation.author == owner
    assert generation.prompt == "dream pop, shimmering guitars"
    assert generation.lyrics == "[Verse]\nHello\n[Chorus]\nAgain"
    assert not generation.instrumental
    assert generation.ghostwriter == ""  # ignored upstream when lyrics are given
    assert generation.cover_art == cover
    assert generation.extra_image_ids == [extra_2.pk, extra_1.pk]
    assert generation.reference_audio_ids == [audio.pk]
    assert generation.account_choice == "alice@example.com"
    page = owner_client.get(response.url).content.decode()
    assert "Song queued" in page and "data-clear-draft" in page
    # The flag is used once.
    assert "data-clear-draft" not in owner_client.get(response.url).content.decode()


def test_an_instrumental_keeps_its_writer_choice(owner_client, simulator):
    owner_client.post(
        reverse("compose"), {"prompt": "drum and bass", "instrumental": "on", "ghostwriter": "pro"}
    )
    generation = Generation.objects.get()
    assert generation.instrumental and generation.ghostwriter == "pro"
    assert generation.account_choice == ""


@pytest.mark.usefixtures("pipeline")
def test_a_song_is_submitted_with_the_picked_cover_as_ref_image_1(owner_client, simulator):
    owner_client.post(reverse("cover_generate"), {"prompt": "orange sunset"}, **HTMX)
    cover = CoverArt.objects.get(pk=CoverArtJob.objects.get().cover_ids[0])
    response = owner_client.post(
        reverse("compose"),
        {"prompt": "summer anthem", "lyrics": "[Verse]\nSun", "cover_art": cover.pk},
    )
    assert response.status_code == 302
    drive(settled)
    generation = Generation.objects.get()
    assert generation.status == Generation.Status.COMPLETED, generation.error_message
    songs = [r for r in simulator.state.requests if r.route == "POST /music"]
    assert len(songs) == 1
    assert songs[0].json["refImage1"] == cover.asset_id
    assert "refImage2" not in songs[0].json


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (
            {"prompt": "x" * 10_001, "lyrics": "keep me"},
            "prompt",
            "Keep this under 10,000 characters",
        ),
        ({"prompt": "", "lyrics": "keep me"}, "prompt", "the prompt is required"),
        ({"prompt": "   ", "lyrics": "keep me"}, "prompt", "the prompt is required"),
        (
            {"prompt": "rock", "lyrics": "keep me", "instrumental": "on"},
            "lyrics",
            "Instrumental songs have no lyrics: clear the lyrics or untick Instrumental.",
        ),
        (
            {"prompt": "rock", "lyrics": "keep me" * 1500},
            "lyrics",
            "Keep this under 10,000 characters",
        ),
        (
            {"prompt": "rock", "lyrics": "keep me", "account": "mallory@example.com"},
            "account",
            "Choose Auto or one of the listed accounts.",
        ),
    ],
)
def test_invalid_input_shows_errors_and_keeps_what_was_typed(
    owner_client, simulator, data, field, words
):
    response = owner_client.post(reverse("compose"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert words in page
    assert "The song was not created" in page
    assert not Generation.objects.exists()
    form = response.context["form"]
    assert field in form.errors
    # What the user typed comes back in the fields, and the saved draft is not restored over it.
    if data["prompt"].strip():
        assert data["prompt"] in page
    assert "keep me" in page
    assert 'data-draft="keep"' in page


def test_the_draft_is_only_restored_on_a_fresh_page(owner_client, team, owner, simulator):
    assert 'data-draft="restore"' in owner_client.get(reverse("compose")).content.decode()
    generation = Generation.objects.create(team=team, author=owner, prompt="p")
    page = owner_client.get(reverse("compose") + f"?from={generation.pk}").content.decode()
    assert 'data-draft="keep"' in page


def test_more_than_ten_images_is_refused(owner_client, team, owner, simulator):
    images = [an_image(team, owner) for _ in range(11)]
    response = owner_client.post(
        reverse("compose"),
        {
            "prompt": "many refs",
            "cover_art": images[0].pk,
            "extra_images": [i.pk for i in images[1:]],
        },
    )
    page = response.content.decode()
    assert "At most 10 images in all" in page
    assert not Generation.objects.exists()
    # The chosen images are still on the page, still chosen.
    assert f'name="cover_art" value="{images[0].pk}" form="song-form" checked' in page
    assert page.count('name="extra_images"') == 10


def test_use_these_settings_again_fills_the_form(owner_client, team, owner, simulator):
    cover = an_image(team, owner, asset_id="a1", account_email="bob@example.com")
    generation = Generation.objects.create(
        team=team,
        author=owner,
        prompt="bossa nova, nylon guitar",
        lyrics="[Verse]\nAgua",
        instrumental=False,
        ghostwriter="",
        account_choice="bob@example.com",
        cover_art=cover,
        status=Generation.Status.FAILED,
    )
    response = owner_client.get(reverse("compose") + f"?from={generation.pk}")
    form = response.context["form"]
    assert form["prompt"].value() == "bossa nova, nylon guitar"
    assert form["lyrics"].value() == "[Verse]\nAgua"
    assert form["account"].value() == "bob@example.com"
    page = response.content.decode()
    assert '<option value="bob@example.com" selected>' in page
    assert f'name="cover_art" value="{cover.pk}" form="song-form" checked' in page
    assert 'id="field-ghostwriter" hidden' in page  # lyrics given: the writer is not used


def test_an_instrumental_from_settings_again_is_ticked(owner_client, team, owner, simulator):
    generation = Generation.objects.create(
        team=team, author=owner, prompt="ambient", instrumental=True, ghostwriter="pro"
    )
    response = owner_client.get(reverse("compose") + f"?from={generation.pk}")
    page = response.content.decode()
    assert 'name="instrumental" id="id_instrumental" checked' in page
    assert '<option value="pro" selected>' in page
    assert re.search(r'id="instrumental-note">Instrumental songs have no lyrics', page)


def test_outsider_gets_404_for_another_teams_settings(client, team, owner, outsider, simulator):
    generation = Generation.objects.create(team=team, author=owner, prompt="secret")
    client.force_login(outsider)
    assert client.get(reverse("compose") + f"?from={generation.pk}").status_code == 404
    assert client.get(reverse("compose") + "?from=nope").status_code == 404


def test_compose_still_works_when_flow_music_is_unreachable(owner_client, settings):
    settings.FLOWMUSIC_API_URL = "http://127.0.0.1:9/v1/flowmusic"
    page = owner_client.get(reverse("compose")).content.decode()
    assert "Could not refresh the accounts from Flow Music" in page
    assert "Create song" in page


def test_login_is_required(client, owner):
    for name in ("compose", "queue", "settings", "cover_generate", "image_upload"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login" in response.url


# Title, model, limits and the keyboard (the walkthrough's findings) -------------------------


def song_form_html(page: str) -> str:
    start = page.index('<form id="song-form"')
    return page[start : page.index("</form>", start)]


def test_title_model_and_the_lyrics_assistant_have_visible_labels(owner_client, simulator):
    page = owner_client.get(reverse("compose")).content.decode()
    for label in ("Title", "Model", "Theme", "Structure"):
        assert re.search(rf"<label for=\"[^\"]+\">{label}</label>", page), label
    assert ">Write lyrics for me</button>" in page
    assert "Both takes are named after it" in page
    assert '<option value="lyria-3-pro" selected>Lyria 3 Pro</option>' in page
    assert '<option value="lyria-3.5">Lyria 3.5</option>' in page
    assert "Ctrl+Enter" in page and 'aria-keyshortcuts="Control+Enter Meta+Enter"' in page


def test_no_field_of_the_song_form_cuts_text_silently(owner_client, simulator):
    form = song_form_html(owner_client.get(reverse("compose")).content.decode())
    assert "maxlength" not in form
    # The prompt is required by our message, not by the browser's bubble.
    prompt = re.search(r"<textarea[^>]*name=\"prompt\"[^>]*>", form)
    assert prompt and " required" not in prompt.group(0)
    assert 'aria-required="true"' in prompt.group(0)
    assert 'data-required="Describe the song you want: the prompt is required."' in form


@pytest.mark.parametrize("prompt", ["", "  \r\n  "])
def test_an_empty_prompt_gets_its_message_next_to_the_field(owner_client, simulator, prompt):
    response = owner_client.post(reverse("compose"), {"prompt": prompt, "title": "Kept"})
    page = response.content.decode()
    error = re.search(
        r'<div class="form-error" role="alert" id="prompt-error"[^>]*>([^<]*)</div>', page
    )
    assert error and error.group(1) == "Describe the song you want: the prompt is required."
    assert "hidden" not in error.group(0)
    assert 'value="Kept"' in page
    assert not Generation.objects.exists()


def test_a_prompt_over_the_limit_is_refused_whole(owner_client, simulator):
    long = "la" * 5_099 + "🎵"  # 10,200 characters as the page counts them
    response = owner_client.post(reverse("compose"), {"prompt": long})
    page = response.content.decode()
    assert "Keep this under 10,000 characters (it has 10,200; emoji count as 2)." in page
    assert response.context["form"]["prompt"].value() == long  # all of it comes back
    assert long in page
    assert "10,200 / 10,000" in page
    assert not Generation.objects.exists()


def test_title_and_model_are_stored_with_the_song(owner_client, simulator):
    owner_client.post(
        reverse("compose"),
        {"prompt": "city pop", "title": "  Neon\r\nRain  ", "model": "lyria-3.5"},
    )
    generation = Generation.objects.get()
    assert generation.title == "Neon Rain" and generation.model == "lyria-3.5"


def test_the_model_defaults_to_lyria_3_pro(owner_client, simulator):
    owner_client.post(reverse("compose"), {"prompt": "city pop"})
    generation = Generation.objects.get()
    assert generation.model == "lyria-3-pro" and generation.title == ""


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"prompt": "x", "title": "t" * 201}, "title", "Keep this under 200 characters"),
        ({"prompt": "x", "model": "lyria-9"}, "model", "Select a valid choice"),
    ],
)
def test_bad_titles_and_models_are_refused(owner_client, simulator, data, field, words):
    response = owner_client.post(reverse("compose"), data)
    assert field in response.context["form"].errors
    assert words in response.content.decode()
    assert not Generation.objects.exists()


def test_use_these_settings_again_keeps_title_and_model(owner_client, team, owner, simulator):
    generation = Generation.objects.create(
        team=team, author=owner, prompt="p", title="Harbour Lights", model="lyria-3.5"
    )
    response = owner_client.get(reverse("compose") + f"?from={generation.pk}")
    form = response.context["form"]
    assert form["title"].value() == "Harbour Lights" and form["model"].value() == "lyria-3.5"
    assert '<option value="lyria-3.5" selected>' in response.content.decode()
    older = Generation.objects.create(team=team, author=owner, prompt="p")  # before models
    form = owner_client.get(reverse("compose") + f"?from={older.pk}").context["form"]
    assert form["model"].value() == "lyria-3-pro"


def test_the_song_form_never_submits_on_a_plain_enter(owner_client, simulator):
    form = song_form_html(owner_client.get(reverse("compose")).content.decode())
    # The form's default button comes first and is disabled: Enter in the Title does nothing.
    first = re.search(r"<button[^>]*>", form)
    assert first and 'type="submit" disabled hidden' in first.group(0)
