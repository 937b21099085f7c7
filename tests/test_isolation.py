"""Team isolation (DESIGN §5.4): every URL pattern, given another team's ids, answers 404.

The walk covers new URL patterns automatically: a pattern with a parameter this file does not
know how to fill fails the test until a rule is added below.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from studio.songs.models import Clip, CoverArt, CoverArtJob, Generation, LyricsDraft
from studio.teams.models import Invitation
from studio.together.models import Comment, Like, Project, ProjectItem, ShareLink
from tests.pipeline import drive, settled, song

pytestmark = pytest.mark.django_db

# Patterns that carry no team object, and why they are out of scope here.
NOT_TEAM_SCOPED = {
    "flowmusic_webhook",  # its own token, tested below (forgery)
    "invitation_signup",  # public by design; the token is the secret
    "simulator",  # the built-in upstream, bearer-authenticated
    # Share links: public by design, the token is the secret (tests/test_sharing.py).
    "shared_song", "shared_cover", "shared_clip_file",
}  # fmt: skip
# Which of the other team's objects fills a pattern's <pk>.
RULES = {
    "cover_image": "cover", "cover_use": "cover", "cover_job": "job",
    "generation_zip": "generation", "generation_cancel": "generation",
    "generation_retry": "generation", "song": "generation",
    "clip_title": "clip", "clip_pick": "clip", "clip_lrc": "clip", "clip_file": "clip",
    "revoke_invitation": "invitation", "remove_member": "membership",
    "lyrics_draft_status": "lyrics_draft", "song_versions": "generation", "take_edit": "clip",
    "song_stems": "generation", "take_stems": "clip",
    "clip_export": "clip",
    "clip_like": "clip", "clip_projects": "clip",
    "project": "project", "project_edit": "project", "project_delete": "project",
    "project_zip": "project", "project_item_move": "project_item",
    "project_item_remove": "project_item",
    "song_comments": "generation", "comment_reply": "comment", "comment_edit": "comment",
    "comment_delete": "comment",
    "song_share": "generation", "share_revoke": "share_link",
    "credits_budget": "user", "credits_retry": "user",
}  # fmt: skip


@pytest.fixture
def theirs(outsider, other_team, settings, tmp_path):
    """One of everything, belonging to the other team."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cover = CoverArt.objects.create(
        team=other_team, author=outsider, provider="upload", content_type="image/png"
    )
    cover.image.save("c.png", ContentFile(b"\x89PNG fake"))
    generation = Generation.objects.create(
        team=other_team, author=outsider, prompt="their song", cover_art=cover,
        status=Generation.Status.COMPLETED, jobid="job:theirs",
    )  # fmt: skip
    clip = Clip.objects.create(
        generation=generation, slot="A", clip_id="theirs-a", title="T",
        lyrics="[Verse]\nline", lyrics_timing=[[0.0, 1.0]],
    )  # fmt: skip
    for field in ("wav", "audio", "image"):
        getattr(clip, field).save(f"t.{field}", ContentFile(b"RIFF....WAVE"))
    job = CoverArtJob.objects.create(
        team=other_team, author=outsider, provider="flowmusic", prompt="x"
    )
    invitation = Invitation.objects.create(team=other_team, created_by=outsider)
    lyrics_draft = LyricsDraft.objects.create(
        team=other_team, author=outsider, prompt="their theme", lyrics="[Verse]\nTheirs"
    )
    project = Project.objects.create(team=other_team, author=outsider, name="Theirs")
    return {
        "cover": cover, "generation": generation, "clip": clip, "job": job,
        "invitation": invitation, "membership": outsider.membership, "user": outsider,
        "lyrics_draft": lyrics_draft, "project": project,
        "project_item": ProjectItem.objects.create(project=project, clip=clip, position=1),
        "comment": Comment.objects.create(clip=clip, author=outsider, text="theirs"),
        "share_link": ShareLink.objects.create(
            team=other_team, generation=generation, created_by=outsider
        ),
    }  # fmt: skip


def fill(name: str, route: str, objects: dict) -> list[str]:
    """Concrete paths for a pattern, using the other team's objects."""
    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    assert name in RULES, f"URL {name!r} takes {params}: add an isolation rule for it here"
    path = route.replace("<int:pk>", str(objects[RULES[name]].pk))
    if "<str:kind>" in path:
        return ["/" + path.replace("<str:kind>", kind) for kind in ("wav", "m4a", "image")]
    if "<str:fmt>" in path:
        return ["/" + path.replace("<str:fmt>", fmt) for fmt in ("mp3", "flac", "wav", "m4a")]
    if "<str:operation>" in path:
        operations = ("extend", "replace", "cover", "remix")
        return ["/" + path.replace("<str:operation>", name) for name in operations]
    return ["/" + path]


def walk(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) not in ("admin/", "simulator/"):
                yield from walk(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name not in NOT_TEAM_SCOPED:
            yield pattern.name, prefix + str(pattern.pattern)


def test_every_url_with_another_teams_ids_is_404(owner_client, theirs):
    checked = 0
    for name, route in walk():
        if "<" not in route:
            continue
        for path in fill(name, route, theirs):
            for method in (owner_client.get, owner_client.post):
                response = method(path, HTTP_HX_REQUEST="true")
                verb = method.__name__.upper()
                assert response.status_code in (404, 405), (
                    f"{verb} {path} answered {response.status_code}"
                )
                checked += response.status_code == 404
    assert checked >= 40
    theirs["generation"].refresh_from_db()
    assert theirs["generation"].status == Generation.Status.COMPLETED  # nothing changed
    assert Project.objects.get(pk=theirs["project"].pk).name == "Theirs"
    assert ProjectItem.objects.filter(pk=theirs["project_item"].pk).exists()
    assert Comment.objects.get(pk=theirs["comment"].pk).text == "theirs"
    link = ShareLink.objects.get(pk=theirs["share_link"].pk)
    assert link.revoked is None and link.is_active()
    assert not Like.objects.exists()


@pytest.mark.parametrize("param", ["from", "cover", "extra", "audio"])
def test_compose_query_ids_of_another_team_are_404(owner_client, theirs, param, simulator):
    value = theirs["generation"].pk if param == "from" else theirs["cover"].pk
    assert owner_client.get(f"/compose/?{param}={value}").status_code == 404


def test_their_songs_are_not_listed(owner_client, theirs):
    page = owner_client.get("/").content.decode() + owner_client.get("/queue/").content.decode()
    assert "their song" not in page


# Webhook forgery (DESIGN §5.3) ---------------------------------------------------------------


def test_random_and_old_webhook_tokens_are_404(client, theirs):
    assert client.post("/hooks/flowmusic/not-a-token/", {}).status_code == 404
    generation = theirs["generation"]
    Generation.objects.filter(pk=generation.pk).update(finished=timezone.now() - timedelta(days=2))
    url = f"/hooks/flowmusic/{generation.webhook_token}/"
    assert client.post(url, "{}", content_type="application/json").status_code == 404


@pytest.mark.usefixtures("pipeline")
def test_a_forged_webhook_body_changes_nothing(client, team, owner, simulator):
    simulator.state.latency = 1.5
    generation = song(team, owner)
    generation.refresh_from_db()
    forged = {
        "jobid": "job:00000000-evil-user:1-mallory@example.com-bot:flowmusic",
        "status": "completed",
        "replyRef": str(generation.pk),
        "clips": [{"clip": "evil", "title": "Pwned", "audio_url": "http://evil.example/a.m4a",
                   "wav_url": "http://evil.example/a.wav", "image_url": None}],
    }  # fmt: skip
    url = f"/hooks/flowmusic/{generation.webhook_token}/"
    response = client.post(url, forged, content_type="application/json")
    assert response.status_code == 200
    generation.refresh_from_db()
    # The app looked at its own job (still pending), not at what the body claimed.
    assert generation.status == Generation.Status.RUNNING and not generation.clips.exists()
    looked = [r.path for r in simulator.state.requests if r.route == "GET /jobs/{jobid}"]
    assert looked and all("evil" not in path for path in looked)
    drive(settled)
    clips = Clip.objects.filter(generation=generation)
    assert clips.count() == 2 and not clips.filter(title="Pwned").exists()
    assert all("evil.example" not in c.wav_url + c.audio_url for c in clips)
