"""Effects on a take over HTTP against the simulator: only the chosen effect's fields are sent
and checked, the result is a new take through the same lifecycle, and it costs nothing."""

from __future__ import annotations

import wave

import numpy as np
import pytest
from django.urls import reverse

from studio.songs.models import Clip, Generation
from tests.pipeline import Status, drive, settled, song

pytestmark = pytest.mark.usefixtures("pipeline")


def finished(team, owner) -> Generation:
    generation = song(team, owner, prompt="warm house groove, 122 bpm, single take")
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED, generation.error_message
    return generation


def effect(client, clip: Clip, **data):
    return client.post(reverse("take_edit", args=[clip.pk, "effect"]), data)


def result(take: Clip) -> Clip:
    job = Generation.objects.filter(source_clip=take, operation="effect").latest("pk")
    assert job.status == Status.COMPLETED, job.error_message
    return job.clips.get()


def samples(clip: Clip) -> np.ndarray:
    with clip.wav.open("rb") as handle, wave.open(handle) as reader:
        data = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
        return data.reshape(-1, reader.getnchannels())


def test_trim_stores_exactly_that_slice_and_sends_only_its_fields(
    owner_client, team, owner, simulator
):
    take = finished(team, owner).clips.get(slot="A")
    credits = simulator.state.account(take.generation.account_email).credits
    response = effect(
        owner_client, take, effect="Trim", start_s="1.5", end_s="4", gain_db="12", pan="1"
    )
    assert response.status_code == 302
    drive(settled)
    trimmed = result(take)
    job = trimmed.generation
    body = job.request
    assert (body["operation"], body["effect"], body["start_s"], body["end_s"]) == (
        "effect", "Trim", 1.5, 4.0,
    )  # fmt: skip
    assert "gain_db" not in body and "pan" not in body and "email" not in body
    source = samples(take)
    assert np.array_equal(samples(trimmed), source[round(1.5 * 44100) : round(4 * 44100)])
    assert simulator.state.account(job.account_email).credits == credits  # reported free
    page = owner_client.get(reverse("song", args=[take.generation_id])).content.decode()
    assert reverse("take_edit", args=[take.pk, "effect"]) in page  # the panel loads its form
    form = owner_client.get(reverse("take_edit", args=[take.pk, "effect"])).content.decode()
    assert "Create take (free)" in form and "Effects are free" in form


def test_gain_of_six_db_raises_the_stored_loudness_by_six(owner_client, team, owner):
    take = finished(team, owner).clips.get(slot="A")
    effect(owner_client, take, effect="Gain", gain_db="-12")
    drive(settled)
    quieter = result(take)
    effect(owner_client, quieter, effect="Gain", gain_db="6")
    drive(settled)
    louder = result(quieter)
    assert louder.loudness_lufs - quieter.loudness_lufs == pytest.approx(6, abs=0.5)


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"effect": "Blur"}, "effect", "Select a valid choice"),
        ({"effect": "Trim", "start_s": "2"}, "end_s", "Trim needs this value"),
        ({"effect": "Trim", "start_s": "3", "end_s": "1"}, "end_s", "must end after it starts"),
        ({"effect": "Trim", "start_s": "0", "end_s": "999"}, "end_s", "pick a time within it"),
        (
            {"effect": "Trim", "start_s": "-1", "end_s": "2"},
            "start_s",
            "greater than or equal to 0",
        ),
        ({"effect": "Fade"}, "fade_in_s", "Give a fade in, a fade out, or both"),
        ({"effect": "Fade", "fade_in_s": "-1"}, "fade_in_s", "greater than or equal to 0"),
        (
            {"effect": "Fade", "fade_in_s": "900", "fade_out_s": "900"},
            "fade_out_s",
            "add up to more",
        ),
        ({"effect": "Gain"}, "gain_db", "Gain needs this value"),
        ({"effect": "Gain", "gain_db": "31"}, "gain_db", "less than or equal to 30"),
        ({"effect": "Gain", "gain_db": "-30.5"}, "gain_db", "greater than or equal to -30"),
        ({"effect": "Reverb", "mix": "1.2"}, "mix", "less than or equal to 1"),
        ({"effect": "Reverb", "room_size": "-0.1"}, "room_size", "greater than or equal to 0"),
        ({"effect": "Pan"}, "pan", "Pan needs this value"),
        ({"effect": "Pan", "pan": "1.5"}, "pan", "less than or equal to 1"),
        ({"effect": "Equalizer"}, "bass_db", "Move at least one band"),
        ({"effect": "Equalizer", "mid_db": "13"}, "mid_db", "less than or equal to 12"),
        (
            {"effect": "Equalizer", "treble_db": "-12.5"},
            "treble_db",
            "greater than or equal to -12",
        ),
    ],
)
def test_each_out_of_range_field_is_refused_with_its_message(
    owner_client, team, owner, data, field, message
):
    take = Clip.objects.filter(generation__status=Status.COMPLETED).first() or finished(
        team, owner
    ).clips.get(slot="A")
    response = owner_client.post(
        reverse("take_edit", args=[take.pk, "effect"]), data, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    # The message stands under its own field.
    wrapper = html.split(f'data-field="{field}"', 1)[1].split("data-field=", 1)[0]
    assert message in wrapper, html
    assert not Generation.objects.filter(operation="effect").exists()
