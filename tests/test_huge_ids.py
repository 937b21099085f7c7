"""Ids from the query string or the song form: a number the key cannot hold, a negative, zero or
an odd "digit" answers like another team's id (404, or a form error), never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from studio.songs.compose.fields import parse_id
from studio.songs.models import CoverArt, Generation, ReferenceAudio
from tests.test_compose import _media_root, an_image  # noqa: F401  (_media_root: autouse)

pytestmark = pytest.mark.django_db
PROPERTY = hsettings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
BIGGEST = 2**63 - 1  # BigAutoField, the DEFAULT_AUTO_FIELD of every model here
ODD_IDS = st.one_of(
    st.integers(min_value=BIGGEST + 1, max_value=10**40).map(str),
    st.integers(max_value=0).map(str),
    st.sampled_from(["²", "٣", "１２", "1e3", " 1", "1 ", "0x1", "+1", "1.0", "", "9" * 5000]),
    st.text(max_size=25),
)
QUERY_KEYS = ["extra", "cover", "audio", "from"]
FORM_FIELDS = ["cover_art", "extra_images", "reference_audio"]


def test_ids_are_parsed_within_the_key_range():
    assert parse_id("1", CoverArt) == 1 and parse_id(str(BIGGEST), CoverArt) == BIGGEST
    for value in [str(BIGGEST + 1), "0", "-1", "²", "١٢", "1.5", "", "9" * 30]:
        assert parse_id(value, CoverArt) is None, value


@pytest.mark.parametrize("key", QUERY_KEYS)
def test_a_huge_id_in_the_query_string_is_a_404(owner_client, simulator, key):
    response = owner_client.get(reverse("compose"), {key: "9223372036854775808"})
    assert response.status_code == 404


@pytest.mark.parametrize("field", FORM_FIELDS)
def test_a_huge_id_in_the_song_form_is_a_form_error(owner_client, simulator, field):
    response = owner_client.post(
        reverse("compose"), {"prompt": "a song", "account": "", field: "9" * 30}
    )
    assert response.status_code == 200
    assert "The song was not created" in response.content.decode()
    assert not Generation.objects.exists()


@PROPERTY
@given(key=st.sampled_from(QUERY_KEYS), value=ODD_IDS)
@example(key="extra", value="9223372036854775808")
def test_any_odd_query_id_is_a_404_never_a_500(owner_client, simulator, key, value):
    response = owner_client.get(reverse("compose"), {key: value})
    assert response.status_code == 404, (key, value)


@PROPERTY
@given(field=st.sampled_from(FORM_FIELDS), value=ODD_IDS.filter(lambda text: text.strip()))
def test_any_odd_form_id_is_refused_never_a_500(owner_client, simulator, field, value):
    response = owner_client.post(
        reverse("compose"), {"prompt": "a song", "account": "", field: value}
    )
    assert response.status_code == 200, (field, value)
    assert not Generation.objects.exists()


def test_ids_in_range_still_work(owner_client, simulator, team, owner):
    image = an_image(team, owner)
    audio = ReferenceAudio.objects.create(team=team, author=owner, name="ref.mp3")
    page = owner_client.get(
        reverse("compose"), {"cover": image.pk, "extra": image.pk, "audio": audio.pk}
    )
    assert page.status_code == 200
    response = owner_client.post(
        reverse("compose"),
        {"prompt": "a song", "account": "", "cover_art": image.pk, "reference_audio": audio.pk},
    )
    assert response.status_code == 302
    assert Generation.objects.get().cover_art == image
