"""Team activity (issue 15): who made, renamed, picked what, newest first, paged; and the Team
page's polish (a confirmation before Remove, a Copy button for invitation links)."""

from __future__ import annotations

import pytest

from studio.songs import activity
from studio.songs.models import Activity, Clip
from studio.teams.models import Invitation, Membership
from tests.test_library import make_song

pytestmark = pytest.mark.django_db
Verb = Activity.Verb


def _activity_html(client, query: str = "") -> str:
    return client.get(f"/team/activity/{query}", HTTP_HX_REQUEST="true").content.decode()


def test_made_and_edited_entries_link_to_the_song(team, owner, owner_client):
    generation = make_song(team, owner, titles=("Night Drive", "B side"), media=False)
    activity.record_made(generation)  # as ingest does once a song completes
    edit = make_song(team, owner, titles=("Night Drive", "B side"), media=False)
    edit.operation, edit.source_clip = "extend", generation.clips.get(slot="A")
    edit.save()
    activity.record_made(edit)
    html = _activity_html(owner_client)
    assert f'olivia</strong> made\n    <a href="/songs/{generation.pk}/">“Night Drive”</a>' in html
    assert f'olivia</strong> extended\n    <a href="/songs/{edit.pk}/">“Night Drive”</a>' in html


def test_a_rename_records_who_and_from_to(team, owner, teammate_client):
    clip = make_song(team, owner, titles=("Old Name", "B side"), media=False).clips.get(slot="A")
    teammate_client.post(f"/clips/{clip.pk}/title", {"title": "New Name"})
    teammate_client.post(f"/clips/{clip.pk}/title", {"title": "New Name"})  # no change: no entry
    (entry,) = Activity.objects.filter(verb=Verb.RENAMED)
    assert entry.actor.username == "tom"
    assert entry.detail == {"old": "Old Name", "new": "New Name"}
    assert "renamed" in (html := _activity_html(teammate_client))
    assert "“Old Name (take A)”</a> to “New Name”" in html


def test_picks_record_which_take_replaced_which(team, owner, owner_client):
    generation = make_song(team, owner, media=False)
    a, b = generation.clips.get(slot="A"), generation.clips.get(slot="B")
    owner_client.post(f"/clips/{a.pk}/pick")
    owner_client.post(f"/clips/{b.pk}/pick")
    owner_client.post(f"/clips/{b.pk}/pick")  # un-pick
    entries = Activity.objects.order_by("at", "pk")
    assert [(e.verb, e.clip_id, e.detail) for e in entries] == [
        (Verb.PICKED, a.pk, {"old": None, "new": "A"}),
        (Verb.PICKED, b.pk, {"old": "A", "new": "B"}),
        (Verb.UNPICKED, b.pk, {"old": "B", "new": None}),
    ]
    assert "(was take A)" in _activity_html(owner_client)


def test_activity_is_newest_first_paged_by_keyset_and_per_team(
    team, owner, owner_client, other_team, outsider
):
    clip = make_song(team, owner, media=False).clips.get(slot="A")
    for n in range(activity.PAGE_SIZE + 5):
        activity.record(Verb.LIKED, owner, clip=clip, subject=f"song {n}")
    theirs = make_song(other_team, outsider, media=False).clips.first()
    activity.record(Verb.LIKED, outsider, clip=theirs, subject="their secret song")

    first = _activity_html(owner_client)
    assert first.index(f"song {activity.PAGE_SIZE + 4}") < first.index("song 30")
    assert "“song 4”" not in first and "Older activity" in first
    older = first.split('hx-get="/team/activity/?before=')[1].split('"')[0]
    second = _activity_html(owner_client, f"?before={older}")
    assert "“song 4”" in second and "“song 0”" in second and "“song 5”" not in second
    assert "Older activity" not in second
    assert "their secret song" not in first + second
    # Nonsense cursors give the first page, never an error.
    assert "Older activity" in _activity_html(owner_client, "?before=garbage_x")


def test_the_activity_page_works_without_javascript(team, owner, owner_client):
    clip = make_song(team, owner, media=False).clips.first()
    activity.record(Verb.LIKED, owner, clip=clip)
    page = owner_client.get("/team/activity/").content.decode()
    assert "<h1" in page and "Team activity" in page and "liked" in page
    team_page = owner_client.get("/team/").content.decode()
    assert 'hx-get="/team/activity/"' in team_page and 'href="/team/activity/"' in team_page


def test_remove_asks_first_and_only_post_removes(owner_client, teammate, team):
    membership = teammate.membership
    team_page = owner_client.get("/team/").content.decode()
    assert f'href="/team/members/{membership.pk}/remove/"' in team_page
    confirm = owner_client.get(f"/team/members/{membership.pk}/remove/").content.decode()
    assert "Remove tom from Band?" in confirm and 'method="post"' in confirm
    assert Membership.objects.filter(pk=membership.pk).exists()
    owner_client.post(f"/team/members/{membership.pk}/remove/")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_members_cannot_open_the_remove_page(teammate_client, owner):
    assert teammate_client.get(f"/team/members/{owner.membership.pk}/remove/").status_code == 403


def test_invitation_links_have_a_copy_button(owner_client, owner, team):
    invitation = Invitation.objects.create(team=team, created_by=owner)
    page = owner_client.get("/team/").content.decode()
    assert f'id="invitation-{invitation.pk}"' in page
    assert f'data-copy="invitation-{invitation.pk}">Copy</button>' in page


def test_clip_subject_names_the_take(team, owner):
    clip = make_song(team, owner, titles=("Night Drive", "B"), media=False).clips.get(slot="A")
    assert activity.clip_subject(clip) == "Night Drive (take A)"
    assert activity.clip_subject(Clip(slot="drums", title="")) == "Untitled (drums stem)"
