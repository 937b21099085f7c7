"""Edits of a take over HTTP against the simulator: the body sent, exactly once, the result
stored with its lineage, and the audio of extend and replace checked on the stored files."""

from __future__ import annotations

import io
import json
import wave
import zipfile

import numpy as np
import pytest
from django.urls import reverse

from studio.songs import services
from studio.songs.compose.forms import LYRICS_MAX
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import Clip, Generation
from tests.pipeline import Status, drive, settled, song

pytestmark = pytest.mark.usefixtures("pipeline")
Operation = Generation.Operation


def finished(team, owner, **fields) -> Generation:
    generation = song(team, owner, **fields)
    drive(settled)
    generation.refresh_from_db()
    assert generation.status == Status.COMPLETED, generation.error_message
    return generation


def post_edit(client, clip: Clip, operation: str, **data):
    return client.post(reverse("take_edit", args=[clip.pk, operation]), data)


def edit_of(clip: Clip) -> Generation:
    return Generation.objects.filter(source_clip=clip).latest("pk")


def samples(clip: Clip) -> np.ndarray:
    with clip.wav.open("rb") as handle, wave.open(handle) as reader:
        frames = reader.readframes(reader.getnframes())
        assert reader.getsampwidth() == 2
        rate, channels = reader.getframerate(), reader.getnchannels()
    data = np.frombuffer(frames, dtype="<i2").reshape(-1, channels)
    assert rate == 44100
    return data


def edit_bodies(state) -> list[dict]:
    return [dict(entry.json or {}) for entry in state.accepted_edits()]


@pytest.mark.parametrize(
    "operation, data, sent",
    [
        (
            "extend",
            {"instruction": "a guitar solo", "extend_s": "12", "extend_from_s": "5"},
            {"instruction": "a guitar solo", "extend_s": 12, "extend_from_s": 5.0},
        ),
        (
            "replace",
            {"instruction": "softer", "mask_start_s": "2", "mask_end_s": "4.5"},
            {"instruction": "softer", "mask_start_s": 2.0, "mask_end_s": 4.5},
        ),
        ("cover", {"instruction": "as a jazz trio", "strength": "0.6"}, {"strength": 0.6}),
        (
            "remix",
            {"lyrics": "[Verse]\nNew words tonight\n[Chorus]\nSing it again"},
            {"lyrics": "[Verse]\nNew words tonight\n[Chorus]\nSing it again"},
        ),
    ],
)
def test_each_edit_sends_its_body_once_and_lands_with_its_lineage(
    owner_client, team, owner, simulator, operation, data, sent
):
    source = finished(team, owner, account_choice="bob@example.com", title="Night Drive")
    take = source.clips.get(slot="A")
    response = post_edit(owner_client, take, operation, title="", **data)
    assert response.status_code == 302 and response["Location"].endswith("#versions")
    edit = edit_of(take)
    assert (edit.operation, edit.origin_id, edit.account_choice) == (
        operation,
        source.pk,
        "bob@example.com",
    )
    drive(settled)
    edit.refresh_from_db()
    assert edit.status == Status.COMPLETED, edit.error_message
    [body] = edit_bodies(simulator.state)
    assert body["operation"] == operation and body["clip"] == take.clip_id
    assert body["mode"] == "async" and body["replyRef"] == str(edit.pk)
    assert "email" not in body  # the clip's own account runs it
    assert {key: body[key] for key in sent} == sent
    assert edit.account_email == "bob@example.com"
    takes = list(edit.clips.all())
    assert takes and all(clip.wav and clip.audio for clip in takes)
    # The song page of the source lists it in Versions; the edit's page says where it is from.
    page = owner_client.get(reverse("song", args=[source.pk])).content.decode()
    assert f'data-version="{edit.pk}"' in page
    mine = owner_client.get(reverse("song", args=[edit.pk])).content.decode()
    assert "“Night Drive” (take A)" in mine


def test_an_extension_starts_with_the_sources_samples_and_adds_the_seconds(
    owner_client, team, owner
):
    source = finished(team, owner)
    take = source.clips.get(slot="A")
    post_edit(owner_client, take, "extend", instruction="keep going", extend_s="7")
    drive(settled)
    [extended] = edit_of(take).clips.all()
    original, longer = samples(take), samples(extended)
    assert np.array_equal(longer[: len(original)], original)
    assert abs(len(longer) / 44100 - (take.duration_s + 7)) < 0.02
    assert abs(extended.duration_s - (take.duration_s + 7)) < 0.02
    assert np.abs(longer[len(original) :]).max() > 1000  # new music, not silence


def test_extending_from_a_point_keeps_the_audio_up_to_it(owner_client, team, owner):
    source = finished(team, owner)
    take = source.clips.get(slot="B")
    post_edit(
        owner_client, take, "extend", instruction="a new ending", extend_s="4", extend_from_s="3"
    )
    drive(settled)
    [extended] = edit_of(take).clips.all()
    original, longer = samples(take), samples(extended)
    head = int(3 * 44100)
    assert np.array_equal(longer[:head], original[:head])
    assert abs(len(longer) / 44100 - 7.0) < 0.02


def test_a_replaced_section_differs_from_the_source_only_inside_it(owner_client, team, owner):
    source = finished(team, owner)
    take = source.clips.get(slot="A")
    post_edit(
        owner_client, take, "replace", instruction="a drum break", mask_start_s="2", mask_end_s="5"
    )
    drive(settled)
    [replaced] = edit_of(take).clips.all()
    before, after = samples(take), samples(replaced)
    assert before.shape == after.shape
    changed = np.flatnonzero(np.any(before != after, axis=1))
    assert changed.size > 44100  # most of the three seconds is new
    assert changed.min() >= int(2 * 44100) - 1 and changed.max() <= int(5 * 44100) + 1


def test_a_remix_sings_the_new_lyrics_with_their_timing(owner_client, team, owner):
    source = finished(team, owner, lyrics="[Verse]\nOld words here\n[Chorus]\nOld chorus")
    take = source.clips.get(slot="A")
    lyrics = "[Verse]\nBrand new morning\nLight across the bay\n[Chorus]\nWe remix the day"
    post_edit(owner_client, take, "remix", lyrics=lyrics, prompt="bright synth pop")
    drive(settled)
    edit = edit_of(take)
    assert edit.request["prompt"] == "bright synth pop" and edit.prompt == "bright synth pop"
    for clip in edit.clips.all():
        assert "Brand new morning" in clip.lyrics and "Old words" not in clip.lyrics
        assert len(clip.lyrics_timing) == 3
    # The remix page highlights these lines while it plays: they are timed seek buttons.
    page = owner_client.get(reverse("song", args=[edit.pk])).content.decode()
    assert 'data-start="' in page and "Brand new morning" in page


def test_an_edit_of_an_edit_joins_the_same_tree(owner_client, team, owner):
    source = finished(team, owner)
    post_edit(owner_client, source.clips.get(slot="A"), "extend", instruction="more", extend_s="3")
    drive(settled)
    first = edit_of(source.clips.get(slot="A"))
    post_edit(owner_client, first.clips.get(), "cover", instruction="acoustic", strength="1")
    drive(settled)
    second = edit_of(first.clips.get())
    assert second.origin_id == source.pk and second.status == Status.COMPLETED
    page = owner_client.get(reverse("song", args=[second.pk])).content.decode()
    assert page.count('class="version') >= 3 and 'aria-current="page"' in page
    library = owner_client.get("/").content.decode()
    assert "2 versions" in library
    originals = owner_client.get("/?originals=on").content.decode()
    assert f'id="generation-{source.pk}"' in originals
    assert f'id="generation-{second.pk}"' not in originals


def test_edits_go_out_exactly_once_through_429_500_and_drops(owner_client, team, owner, simulator):
    """One edit of each kind meets one fault: a 429 waits and goes, a 500 and a drop before the
    upstream made a job are unknown (never resent), a lost answer is found and adopted."""
    source = finished(team, owner, account_choice="alice@example.com")
    simulator.state.latency = 1.5  # long enough for adoption to see the job running
    take = source.clips.get(slot="A")
    edits = Generation.objects.filter(source_clip=take)
    attempts = [
        ("429", "extend", {"instruction": "on and on", "extend_s": "3"}),
        ("500", "replace", {"instruction": "x", "mask_start_s": "1", "mask_end_s": "2"}),
        ("drop", "cover", {"instruction": "as a waltz", "strength": "1"}),
        ("accept_then_drop", "remix", {"lyrics": "[Verse]\nA brand new line to sing"}),
    ]
    for fault, operation, data in attempts:
        simulator.state.inject("POST /music/edit", fault)
        post_edit(owner_client, take, operation, **data)
        drive(lambda: settled() and not edits.filter(status=Status.QUEUED).exists())
    outcome = dict(edits.values_list("operation", "status"))
    assert outcome == {
        "extend": Status.COMPLETED,
        "replace": Status.UNKNOWN,
        "cover": Status.UNKNOWN,
        "remix": Status.COMPLETED,
    }, outcome
    refs = [body["replyRef"] for body in edit_bodies(simulator.state)]
    assert len(refs) == len(set(refs)) == 2
    assert sorted(refs) == sorted(str(g.pk) for g in edits.filter(jobid__isnull=False))
    for unknown in edits.filter(status=Status.UNKNOWN):
        assert "cannot tell whether" in unknown.error_message


def test_an_edit_runs_on_its_takes_account_within_its_max_jobs(
    owner_client, team, owner, simulator
):
    source = finished(team, owner, account_choice="bob@example.com")  # maxJobs 2
    simulator.state.latency = 0.5
    take = source.clips.get(slot="B")
    for i in range(5):
        post_edit(owner_client, take, "extend", instruction=f"part {i}", extend_s="2")
    drive(settled, timeout=120)
    edits = Generation.objects.filter(operation=Operation.EXTEND)
    assert set(edits.values_list("status", flat=True)) == {Status.COMPLETED}
    assert set(edits.values_list("account_email", flat=True)) == {"bob@example.com"}
    assert simulator.state.max_running["bob@example.com"] <= 2


def test_an_edit_on_an_account_without_credits_fails_and_says_so(
    owner_client, team, owner, simulator
):
    source = finished(team, owner, account_choice="bob@example.com")
    simulator.state.set_account("bob@example.com", credits=0)
    take = source.clips.get(slot="A")
    post_edit(owner_client, take, "cover", strength="1")
    drive(settled)
    edit = edit_of(take)
    assert edit.status == Status.FAILED and edit.error_code == ErrorCode.NO_CREDITS
    assert "top up" in edit.error_message
    assert edit_bodies(simulator.state) == []
    # A retry stays on the take's account (the only one that can edit it).
    again = services.retry(edit, owner)
    assert again.account_choice == "bob@example.com" and again.source_clip_id == take.pk


def test_a_song_that_failed_on_its_account_is_retried_on_auto(team, owner, simulator):
    simulator.state.set_account("bob@example.com", credits=0)
    failed = song(team, owner, account_choice="bob@example.com")
    drive(settled)
    failed.refresh_from_db()
    assert failed.error_code == ErrorCode.NO_CREDITS
    again = services.retry(failed, owner)
    assert again.account_choice == ""
    drive(settled)
    again.refresh_from_db()
    assert again.status == Status.COMPLETED and again.account_email != "bob@example.com"


def test_edit_forms_check_the_upstreams_limits_and_the_takes_length(owner_client, team, owner):
    source = finished(team, owner)
    take = source.clips.get(slot="A")
    cases = [
        ("extend", {"instruction": "x", "extend_s": "301"}, "at most 300 seconds"),
        ("extend", {"instruction": "", "extend_s": "30"}, "instruction is required"),
        (
            "extend",
            {"instruction": "x", "extend_s": "30", "extend_from_s": "999"},
            "pick a time within it",
        ),
        (
            "replace",
            {"instruction": "x", "mask_start_s": "4", "mask_end_s": "2"},
            "must end after it starts",
        ),
        (
            "replace",
            {"instruction": "x", "mask_start_s": "1", "mask_end_s": "999"},
            "pick a time within it",
        ),
        ("cover", {"strength": "1.5"}, "less than or equal to 1"),
        ("remix", {"lyrics": ""}, "A remix sings new lyrics"),
    ]
    for operation, data, message in cases:
        response = post_edit(owner_client, take, operation, **data)
        assert response.status_code == 400, (operation, data)
        assert message in response.content.decode(), (operation, data)
    htmx = owner_client.post(
        reverse("take_edit", args=[take.pk, "replace"]),
        {"instruction": "x", "mask_start_s": "4", "mask_end_s": "2"},
        HTTP_HX_REQUEST="true",
    )
    assert htmx.status_code == 200 and "must end after it starts" in htmx.content.decode()
    assert "HX-Trigger" not in htmx
    assert not Generation.objects.filter(source_clip=take).exists()
    assert owner_client.post(reverse("take_edit", args=[take.pk, "stretch"])).status_code == 404


def test_an_edits_downloads_say_what_it_was_made_from(owner_client, team, owner):
    source = finished(team, owner, lyrics="[Verse]\nA line to keep\n[Chorus]\nAnd one more")
    take = source.clips.get(slot="A")
    post_edit(
        owner_client, take, "replace", instruction="new drums", mask_start_s="1", mask_end_s="2"
    )
    drive(settled)
    edit = edit_of(take)
    archive = b"".join(
        owner_client.get(reverse("generation_zip", args=[edit.pk])).streaming_content
    )
    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        record = json.loads(bundle.read("request.json"))
    lineage = record["made_from"]
    assert lineage["operation"] == "replace" and lineage["source_clip"] == take.clip_id
    assert lineage["instruction"] == "new drums" and lineage["source_take"] == "A"
    lrc = owner_client.get(reverse("clip_lrc", args=[edit.clips.get().pk])).content.decode()
    assert "[#:Section replaced in “" in lrc and "new drums]" in lrc


def test_an_edit_form_loads_into_its_panel_or_opens_on_a_page_of_its_own(owner_client, team, owner):
    lyrics = "[Verse]\nA line to keep\n[Chorus]\nAnd one more"
    take = finished(team, owner, lyrics=lyrics).clips.get(slot="A")
    url = reverse("take_edit", args=[take.pk, "remix"])
    page = owner_client.get(reverse("song", args=[take.generation_id])).content.decode()
    assert f'hx-get="{url}"' in page and f'href="{url}"' in page  # without JavaScript: a link
    panel = owner_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<form" in panel and "<html" not in panel
    assert "A line to keep" in panel  # the take's lyrics, to edit
    # Its counter: the take's lyrics against the compose page's own limit.
    assert f'data-max="{LYRICS_MAX}"' in panel and f"{len(lyrics)} / {LYRICS_MAX:,}" in panel
    alone = owner_client.get(url).content.decode()
    assert "<html" in alone and "Back to the song" in alone and "Create take" in alone
