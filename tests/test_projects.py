"""Projects: the team's ordered collections of takes; Add to project, the order (moves,
removals, concurrent edits), the project page, rename and delete, the zip, team isolation."""

from __future__ import annotations

import html
import io
import json
import re
import threading
import zipfile

import pytest
from django.db import connection, connections
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from studio.library import exports
from studio.library.fragments import CSRF_MARK
from studio.songs.models import Activity, Clip
from studio.together import projects as rules
from studio.together.models import Project, ProjectItem
from tests.test_download_names import RLO, assert_clean, disposition_name
from tests.test_library import _media, make_cover, make_song  # noqa: F401  (_media: autouse)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def clips(team, owner) -> list[Clip]:
    """Four takes of two songs."""
    first = make_song(team, owner, titles=("Morning Sun", "Golden Sky"))
    second = make_song(team, owner, titles=("Night Drive", "City Lights"))
    return [*first.clips.order_by("slot"), *second.clips.order_by("slot")]


@pytest.fixture
def album(team, owner) -> Project:
    return rules.create(team, owner, "Album")


def filled(project: Project, clips: list[Clip], user) -> list[ProjectItem]:
    for clip in clips:
        rules.add(project, clip, user)
    return list(project.items.all())


def order(project: Project) -> list[tuple[int, str]]:
    return list(project.items.values_list("position", "clip__title"))


def positions(project: Project) -> list[int]:
    return list(project.items.values_list("position", flat=True))


# Creating and adding


def test_new_project_from_the_projects_page(owner_client, owner, team):
    response = owner_client.post("/projects/new", {"name": "Client brief", "description": "Ads"})
    project = Project.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/projects/{project.pk}/"
    assert (project.team, project.author, project.description) == (team, owner, "Ads")
    entry = Activity.objects.get(verb=Activity.Verb.PROJECT_CREATED)
    assert entry.subject == "Client brief" and entry.detail == {"project": project.pk}
    page = text(owner_client.get("/projects/"))
    assert "Client brief" in page and f'href="/projects/{project.pk}/"' in page
    assert "New project</button>" in page  # DESIGN §6 names the control


def test_a_project_needs_a_name(owner_client):
    response = owner_client.post("/projects/new", {"name": "  "})
    assert response.status_code == 400 and not Project.objects.exists()


def test_the_projects_page_shows_only_the_teams(owner_client, album, other_team, outsider):
    rules.create(other_team, outsider, "Rival album")
    page = text(owner_client.get("/projects/"))
    assert "Album" in page and "Rival album" not in page


def test_add_to_project_adds_at_the_end_and_says_so(owner_client, owner, album, clips):
    url = f"/clips/{clips[0].pk}/projects"
    first = text(owner_client.post(url, {"project": album.pk}, **HTMX))
    assert "Added to “Album” (track 1)" in first
    second = text(
        owner_client.post(f"/clips/{clips[1].pk}/projects", {"project": album.pk}, **HTMX)
    )
    assert "Added to “Album” (track 2)" in second
    again = text(owner_client.post(url, {"project": album.pk}, **HTMX))
    assert "Already in “Album” (track 1)" in again
    assert order(album) == [(1, "Morning Sun"), (2, "Golden Sky")]
    added = Activity.objects.filter(verb=Activity.Verb.PROJECT_ADDED)
    assert added.count() == 2  # not for "already in"
    assert added.first().detail == {"project": album.pk, "name": "Album"}


def test_new_project_in_the_menu_makes_it_and_adds_the_take(owner_client, clips):
    response = owner_client.post(f"/clips/{clips[0].pk}/projects", {"name": "Demo"}, **HTMX)
    assert "Added to “Demo” (track 1)" in text(response)
    project = Project.objects.get(name="Demo")
    assert order(project) == [(1, "Morning Sun")]
    assert Activity.objects.filter(verb=Activity.Verb.PROJECT_CREATED).count() == 1


def test_the_menu_lists_the_teams_projects_and_where_the_take_is(
    owner_client, owner, album, clips, other_team, outsider
):
    rules.add(album, clips[0], owner)
    rules.create(other_team, outsider, "Rival album")
    menu = text(owner_client.get(f"/clips/{clips[0].pk}/projects", **HTMX))
    assert "<html" not in menu and f'name="project" value="{album.pk}"' in menu
    assert "already in" in menu and "Rival album" not in menu
    assert f'for="atp-name-{clips[0].pk}">New project' in menu
    player = text(owner_client.get(f"/clips/{clips[0].pk}/projects?in=player", **HTMX))
    assert f'id="atp-answer-pb-{clips[0].pk}"' in player  # ids apart from the page's menu


def test_without_javascript_add_to_project_is_a_page_and_comes_back(owner_client, album, clips):
    url = f"/clips/{clips[0].pk}/projects"
    song = f"/songs/{clips[0].generation_id}/"
    page = text(owner_client.get(f"{url}?next={song}"))
    assert "<h1" in page and "Add to project" in page and f'value="{song}"' in page
    response = owner_client.post(url, {"project": album.pk, "next": song}, follow=True)
    assert response.redirect_chain[0][0] == song
    assert "Added to “Album” (track 1)." in text(response)
    elsewhere = owner_client.post(url, {"project": album.pk, "next": "https://evil.example/"})
    assert elsewhere["Location"] == f"/projects/{album.pk}/"


def test_an_empty_or_long_name_is_refused(owner_client, clips):
    url = f"/clips/{clips[0].pk}/projects"
    assert "Choose a project" in text(owner_client.post(url, {"name": ""}, **HTMX))
    assert "at most 120" in text(owner_client.post(url, {"name": "x" * 121}, **HTMX))
    assert owner_client.post(url, {"name": ""}).status_code == 400
    assert not Project.objects.exists()


def test_a_take_can_be_in_several_projects_once_each(owner, team, album, clips):
    other = rules.create(team, owner, "Other")
    assert rules.add(album, clips[0], owner)[1] and rules.add(other, clips[0], owner)[1]
    assert not rules.add(album, clips[0], owner)[1]
    assert ProjectItem.objects.filter(clip=clips[0]).count() == 2


def test_the_include_in_every_take_makes_no_query(clips):
    with CaptureQueriesContext(connection) as queries:
        markup = render_to_string("projects/add_to_project.html", {"clip": clips[0]})
    assert len(queries) == 0
    assert "Add to project" in markup and f'href="/clips/{clips[0].pk}/projects' in markup


# The order


def test_moves_renumber_1_to_n(owner, album, clips):
    items = filled(album, clips, owner)
    assert rules.move(items[3], 1) == 1
    assert [t for _, t in order(album)] == [
        "City Lights",
        "Morning Sun",
        "Golden Sky",
        "Night Drive",
    ]
    assert rules.step(items[0], "down") == 3
    assert rules.step(items[3], "up") == 1  # at the top already: stays
    assert rules.move(items[0], 99) == 4  # past the end: the end
    assert [t for _, t in order(album)] == [
        "City Lights",
        "Golden Sky",
        "Night Drive",
        "Morning Sun",
    ]
    rules.remove(items[2])
    assert positions(album) == [1, 2, 3]
    assert rules.move(items[2], 1) is None  # removed meanwhile


def test_renumber_closes_gaps_and_ties(owner, album, clips):
    items = filled(album, clips, owner)
    ProjectItem.objects.filter(pk=items[0].pk).update(position=7)
    ProjectItem.objects.filter(pk=items[2].pk).update(position=2)
    rules.renumber(album)
    assert positions(album) == [1, 2, 3, 4]
    assert [t for _, t in order(album)] == [
        "Golden Sky",
        "Night Drive",
        "City Lights",
        "Morning Sun",
    ]


def test_a_take_deleted_from_the_library_leaves_no_tie(owner, album, clips):
    items = filled(album, clips[:3], owner)
    Clip.objects.filter(pk=items[1].clip_id).delete()
    rules.add(album, clips[3], owner)
    assert positions(album) == [1, 3, 4]
    rules.step(items[2], "up")
    assert [t for _, t in order(album)] == ["Night Drive", "Morning Sun", "City Lights"]
    assert positions(album) == [1, 2, 3]


def test_a_take_of_another_team_can_never_be_added(album, owner, other_team, outsider):
    theirs = make_song(other_team, outsider, media=False).clips.first()
    with pytest.raises(rules.OtherTeamError):
        rules.add(album, theirs, owner)
    assert not album.items.exists()


def test_move_and_remove_answer_htmx_with_the_list(owner_client, owner, album, clips):
    items = filled(album, clips[:3], owner)
    response = owner_client.post(f"/projects/items/{items[2].pk}/move", {"direction": "up"}, **HTMX)
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert "“Morning Sun”" not in page.split("hx-swap-oob")[-1]
    assert "“Night Drive”: position 2 of 3." in page
    titles = re.findall(r'class="pi-title"[^>]*><span class="sr-only">\d+\. </span>([^<]+)', page)
    assert titles == ["Morning Sun", "Night Drive", "Golden Sky"]
    dragged = owner_client.post(f"/projects/items/{items[0].pk}/move", {"to": "3"}, **HTMX)
    assert "“Morning Sun”: position 3 of 3." in text(dragged)
    removed = owner_client.post(f"/projects/items/{items[1].pk}/remove", **HTMX)
    assert "Removed “Golden Sky” (B)." in text(removed)
    assert order(album) == [(1, "Night Drive"), (2, "Morning Sun")]
    assert Clip.objects.filter(pk=items[1].clip_id).exists()  # the take stays in the library


def test_without_javascript_moves_come_back_to_the_page(owner_client, owner, album, clips):
    items = filled(album, clips[:2], owner)
    response = owner_client.post(f"/projects/items/{items[1].pk}/move", {"direction": "up"})
    assert response["Location"] == f"/projects/{album.pk}/#project-items"
    assert order(album) == [(1, "Golden Sky"), (2, "Morning Sun")]
    assert owner_client.post(f"/projects/items/{items[1].pk}/move", {}).status_code == 302
    assert owner_client.get(f"/projects/items/{items[1].pk}/move").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_concurrent_adds_and_moves_keep_1_to_n(team, owner):
    song_a, song_b = make_song(team, owner, media=False), make_song(team, owner, media=False)
    extra = [make_song(team, owner, media=False) for _ in range(2)]
    clips = [c for g in (song_a, song_b, *extra) for c in g.clips.all()]
    project = rules.create(team, owner, "Race")
    first = rules.add(project, clips[0], owner)[0]
    clips = [Clip.objects.select_related("generation").get(pk=c.pk) for c in clips[1:]]
    errors = []

    def work(job) -> None:
        try:
            job()
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    jobs = [lambda c=c: rules.add(project, c, owner) for c in clips]
    jobs += [lambda: rules.move(first, 3), lambda: rules.step(first, "down")]
    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert positions(project) == list(range(1, len(clips) + 2))


# The project page


def test_the_project_page_lists_its_takes_in_order_with_players(
    owner_client, owner, team, album, clips
):
    filled(album, [clips[2], clips[0]], owner)
    raw = owner_client.get(f"/projects/{album.pk}/").content.decode()
    page = html.unescape(raw)
    assert "Play all" in page and "Move up" in page and "Move down" in page and "Remove" in page
    assert page.index("Night Drive") < page.index("Morning Sun")
    found = re.findall(r'data-player="play" data-track="([^"]+)"', raw)
    tracks = [json.loads(html.unescape(track)) for track in found]
    assert [t["id"] for t in tracks] == [clips[2].pk, clips[0].pk]
    assert (
        tracks[0]["src"] == f"/clips/{clips[2].pk}/m4a" and tracks[0]["title"] == "Night Drive (A)"
    )
    assert "Take A" in page and "2:05" in page and "olivia" in page
    assert f'href="/projects/{album.pk}/zip"' in page and "Delete project" in page


def test_the_project_page_costs_the_same_queries_for_any_number_of_takes(
    owner_client, owner, team, album
):
    songs = [make_song(team, owner, media=False) for _ in range(3)]
    takes = [clip for song in songs for clip in song.clips.all()]
    filled(album, takes[:2], owner)
    owner_client.get(f"/projects/{album.pk}/")  # the players' media cached
    with CaptureQueriesContext(connection) as few:
        assert owner_client.get(f"/projects/{album.pk}/").status_code == 200
    filled(album, takes[2:], owner)
    owner_client.get(f"/projects/{album.pk}/")
    with CaptureQueriesContext(connection) as many:
        page = owner_client.get(f"/projects/{album.pk}/")
    assert page.content.decode().count('data-player="play"') == 6
    assert len(many) == len(few), [q["sql"] for q in many]


def test_rename_and_delete_with_a_confirmation(owner_client, owner, album, clips):
    filled(album, clips[:1], owner)
    response = owner_client.post(f"/projects/{album.pk}/edit", {"name": "LP", "description": "x"})
    assert response["Location"] == f"/projects/{album.pk}/"
    album.refresh_from_db()
    assert (album.name, album.description) == ("LP", "x")
    assert owner_client.post(f"/projects/{album.pk}/edit", {"name": ""}).status_code == 400
    confirm = text(owner_client.get(f"/projects/{album.pk}/delete"))
    assert "Delete the project “LP”?" in confirm and Project.objects.filter(pk=album.pk).exists()
    deleted = owner_client.post(f"/projects/{album.pk}/delete")
    assert deleted["Location"] == "/projects/"
    assert not Project.objects.exists() and not ProjectItem.objects.exists()
    assert Clip.objects.filter(pk=clips[0].pk).exists()


def test_a_teammate_works_on_the_same_projects(teammate_client, album, clips):
    teammate_client.post(f"/clips/{clips[0].pk}/projects", {"project": album.pk}, **HTMX)
    assert order(album) == [(1, "Morning Sun")]
    assert teammate_client.get(f"/projects/{album.pk}/").status_code == 200


# The zip


def project_zip(client, project: Project) -> tuple[zipfile.ZipFile, str]:
    response = client.get(f"/projects/{project.pk}/zip")
    assert response.status_code == 200 and response.streaming
    return zipfile.ZipFile(io.BytesIO(body(response))), response["Content-Disposition"]


def test_the_zip_has_tagged_numbered_mp3s_and_the_cover(owner_client, owner, team, tmp_path):
    song = make_song(team, owner, cover=make_cover(team, owner))
    project = rules.create(team, owner, "Summer LP")
    a, b = song.clips.order_by("slot")
    filled(project, [b, a], owner)
    archive, disposition = project_zip(owner_client, project)
    assert disposition == 'attachment; filename="Summer LP.zip"'
    assert archive.namelist() == [
        "01 - Golden Sky (B).mp3",
        "02 - Morning Sun (A).mp3",
        "cover.jpg",
    ]
    for number, (name, title) in enumerate(
        [("01 - Golden Sky (B).mp3", "Golden Sky"), ("02 - Morning Sun (A).mp3", "Morning Sun")], 1
    ):
        path = tmp_path / name
        path.write_bytes(archive.read(name))
        tags = ID3(path)
        assert str(tags["TALB"]) == "Summer LP" and str(tags["TRCK"]) == f"{number}/2"
        assert str(tags["TIT2"]) == title and str(tags["TPE1"]) == "olivia"
        assert tags.getall("APIC") and tags.getall("SYLT")
        assert MP3(path).info.length > 0.9
    # The audio is the library's MP3 export's, unchanged; only the tag differs.
    export = exports.clip_export(Clip.objects.get(pk=a.pk), "mp3")
    stored = export.read()
    own_tag = ID3(export.path).size
    ours = archive.read("02 - Morning Sun (A).mp3")
    assert ours.endswith(stored[own_tag:])
    assert archive.read("cover.jpg")[:2] == b"\xff\xd8"


def test_a_second_zip_reuses_the_exports(owner_client, owner, team, album, clips, monkeypatch):
    filled(album, clips[:2], owner)
    project_zip(owner_client, album)
    made = []
    monkeypatch.setattr(exports, "encode", lambda *args: made.append(args))
    archive, _ = project_zip(owner_client, album)
    assert made == [] and len(archive.namelist()) == 3


def test_hostile_titles_make_safe_zip_names(owner_client, owner, team):
    hostile = f"../../etc/{RLO}gpj.exe\x07 {'🎵' * 90}"  # (no NUL: no title can hold one)
    song = make_song(team, owner, titles=(hostile,))
    project = rules.create(team, owner, f"a/b\\c {RLO}evil")
    filled(project, list(song.clips.all()), owner)
    archive, disposition = project_zip(owner_client, project)
    track = archive.namelist()[0]
    assert_clean(track, ".mp3")
    assert track.startswith("01 - ") and track.endswith(" (A).mp3")
    assert_clean(disposition_name(disposition), ".zip")


def test_an_empty_project_has_no_zip(owner_client, album):
    assert owner_client.get(f"/projects/{album.pk}/zip").status_code == 404


def test_a_take_without_audio_is_left_out_of_the_zip(owner_client, owner, team, album):
    with_audio = make_song(team, owner, titles=("Has Audio",)).clips.get()
    without = make_song(team, owner, titles=("No Audio",), media=False).clips.get()
    filled(album, [without, with_audio], owner)
    archive, _ = project_zip(owner_client, album)
    assert archive.namelist()[0] == "02 - Has Audio (A).mp3"


# Team isolation


@pytest.fixture
def their_project(other_team, outsider):
    project = rules.create(other_team, outsider, "Theirs")
    clip = make_song(other_team, outsider, media=False).clips.first()
    item = rules.add(project, clip, outsider)[0]
    return project, item, clip


def test_another_teams_projects_items_and_clips_are_404(owner_client, album, clips, their_project):
    project, item, clip = their_project
    for url in (
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/edit",
        f"/projects/{project.pk}/delete",
        f"/projects/{project.pk}/zip",
        f"/clips/{clip.pk}/projects",
    ):
        assert owner_client.get(url).status_code == 404, url
        assert owner_client.post(url, {"name": "x"}).status_code in (404, 405), url
    for url in (f"/projects/items/{item.pk}/move", f"/projects/items/{item.pk}/remove"):
        assert owner_client.post(url, {"direction": "up"}, **HTMX).status_code == 404, url
    # Their project id, given with our take: 404, and nothing added to either.
    mine = f"/clips/{clips[0].pk}/projects"
    assert owner_client.post(mine, {"project": project.pk}, **HTMX).status_code == 404
    # Our project with their take: the take does not exist for us.
    their_take = f"/clips/{clip.pk}/projects"
    assert owner_client.post(their_take, {"project": album.pk}, **HTMX).status_code == 404
    assert not album.items.exists() and list(project.items.all()) == [item]
    assert Project.objects.get(pk=project.pk).name == "Theirs"


def test_cached_takes_follow_moves_and_renames_and_their_forms_work(owner, album, clips):
    """The project's takes are cached by what they show: a move renumbers them and moves
    the disabled Move up / Move down, a new title shows at once, and each request's own CSRF
    token is filled in (a client that checks CSRF can use the cached forms)."""
    items = filled(album, clips[:3], owner)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    def shown():
        page = text(client.get(f"/projects/{album.pk}/"))
        assert CSRF_MARK not in page
        numbers = re.findall(r'class="pi-number" aria-hidden="true">(\d+)<', page)
        disabled = re.findall(r'id="pi-(up|down)-(\d+)"[^>]*disabled', page)
        return page, numbers, disabled

    page, numbers, disabled = shown()
    assert numbers == ["1", "2", "3"]
    assert disabled == [("up", str(items[0].pk)), ("down", str(items[2].pk))]
    form = page[page.index(f'action="/projects/items/{items[2].pk}/move"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    moved = client.post(
        f"/projects/items/{items[2].pk}/move", {"to": "1", "csrfmiddlewaretoken": token}
    )
    assert moved.status_code == 302
    page, numbers, disabled = shown()
    assert numbers == ["1", "2", "3"]
    assert disabled == [("up", str(items[2].pk)), ("down", str(items[1].pk))]
    Clip.objects.filter(pk=items[0].clip_id).update(title="Renamed take")
    assert "Renamed take" in shown()[0]
