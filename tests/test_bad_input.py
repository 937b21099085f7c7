"""Bad input gets a clear error and stores nothing (property-based, with hypothesis)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from studio.songs import filecheck
from studio.songs.compose.fields import utf16_length
from studio.songs.compose.forms import PROMPT_MAX
from studio.songs.models import CoverArt, Generation
from tests.upstream_samples import png_bytes, png_header_only

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
PROPERTY = hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
CONTROL = st.sampled_from([chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127]])
# Text a person could type: letters, accents, CJK, emoji, line breaks (no control characters).
TYPED = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cs"), include_characters="\n\t"
    ),
    min_size=1,
    max_size=60,
)


def post_song(client, prompt: str, lyrics: str = ""):
    return client.post(reverse("compose"), {"prompt": prompt, "lyrics": lyrics, "account": ""})


def repeat_to(text: str, units: int) -> str:
    """`text` repeated to exactly `units` UTF-16 units (padding with 'a' if an emoji straddles)."""
    out, length = [], 0
    while True:
        for ch in text:
            size = utf16_length(ch)
            if length + size > units:
                return "".join(out) + "a" * (units - length)
            out.append(ch)
            length += size


@PROPERTY
@given(sample=TYPED)
def test_a_prompt_exactly_at_the_limit_is_accepted(owner_client, simulator, sample):
    prompt = repeat_to(sample.strip() or "x", PROMPT_MAX)
    if not prompt.strip():
        return
    before = Generation.objects.count()
    response = post_song(owner_client, prompt)
    assert response.status_code == 302, response.content.decode()[:500]
    assert Generation.objects.count() == before + 1
    assert Generation.objects.latest("pk").prompt == prompt.replace("\r\n", "\n").strip()


@PROPERTY
@given(sample=TYPED, extra=st.integers(min_value=1, max_value=50))
def test_over_the_limit_is_refused_and_kept_in_the_form(owner_client, simulator, sample, extra):
    # It ends with a letter: the form strips trailing spaces, which could bring it to the limit.
    prompt = repeat_to(sample.strip() or "x", PROMPT_MAX + extra - 1) + "x"
    before = Generation.objects.count()
    response = post_song(owner_client, prompt, lyrics="[Verse]\nkeep me")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Keep this under 10,000 characters" in html
    assert "keep me" in html  # the draft survives
    assert Generation.objects.count() == before


@PROPERTY
@given(before=TYPED, control=CONTROL, after=TYPED)
def test_control_characters_are_refused_clearly(owner_client, simulator, before, control, after):
    count = Generation.objects.count()
    # Letters around it: the form strips outer whitespace, and \x0b or \x1c would go with it.
    response = post_song(owner_client, "a" + before + control + after + "z")
    assert response.status_code == 200
    assert "invisible control characters" in response.content.decode()
    assert Generation.objects.count() == count


def test_an_emoji_counts_as_two_like_the_page_counter(owner_client, simulator):
    response = post_song(owner_client, "🎵" * 5_001)  # 10,002 UTF-16 units
    assert "it has 10,002" in response.content.decode()
    assert post_song(owner_client, "🎵" * 5_000).status_code == 302


@PROPERTY
@given(
    data=st.binary(min_size=1, max_size=4096),
    name=st.sampled_from(["cover.png", "cover.jpg", "art.webp", "x.PNG"]),
)
def test_bytes_that_are_not_an_image_are_refused_whatever_their_name(data, name):
    if data.startswith((b"\x89PNG", b"\xff\xd8", b"RIFF")):
        return  # could be a (damaged) real image: judged by the content checks below
    with pytest.raises(filecheck.Rejected):
        filecheck.check_image(io.BytesIO(data))


@PROPERTY
@given(cut=st.integers(min_value=8, max_value=400))
def test_a_truncated_image_is_refused(cut):
    whole = png_bytes((200, 200))
    with pytest.raises(filecheck.Rejected):
        filecheck.check_image(io.BytesIO(whole[: min(cut, len(whole) - 20)]))


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"just some text, honestly", "cover.png", "not an image"),
        (png_bytes((200, 200))[:-40], "truncated.png", "damaged or incomplete"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "evil.svg",
            "SVG images are not accepted",
        ),
        (b"\xff\xd8\xff" + b"\x00" * (25 * 1024 * 1024), "big.jpg", "limit is 20 MB"),
        (png_header_only(40_000, 40_000), "bomb.png", "too many pixels"),
    ],
)
def test_lying_uploads_get_a_clear_error_and_nothing_is_stored(
    owner_client, simulator, settings, tmp_path, content, name, words
):
    settings.MEDIA_ROOT = tmp_path / "media"
    file = SimpleUploadedFile(name, content, content_type="image/png")
    response = owner_client.post(
        reverse("image_upload"), {"image": file, "purpose": "cover"}, **HTMX
    )
    html = response.content.decode()
    assert words in html, html[:400]
    assert not CoverArt.objects.exists()
    assert not list((tmp_path / "media").rglob("*.*"))
    assert not [r for r in simulator.state.requests if r.route == "POST /files"]
