"""Cached library rows (studio/library/rows.py): a row shows what changed at once, and the
values of one request (CSRF token, the page to return to) are that request's own."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import quote

import pytest
from django.test import Client

from studio.library.rows import CSRF_MARK, NEXT_MARK, NEXT_QUERY_MARK
from studio.songs.models import Clip
from studio.together.likes import set_liked
from tests.conftest import PASSWORD
from tests.test_library import make_song

pytestmark = pytest.mark.django_db


def _row(response, generation) -> str:
    """The song's row, its CSRF token left out (masked afresh on every request)."""
    page = response.content.decode()
    start = page.index(f'id="generation-{generation.pk}"')
    row = page[start : page.index("</article>", start)]
    return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1…", row)


def test_a_row_shows_a_new_title_pick_and_likes_at_once(owner_client, team, owner, teammate):
    song = make_song(team, owner, media=False)
    take_a, take_b = song.clips.order_by("slot")
    first = _row(owner_client.get("/"), song)
    assert "Morning Sun" in first and "Picked" not in first
    assert _row(owner_client.get("/"), song) == first  # unchanged: the same row

    Clip.objects.filter(pk=take_a.pk).update(title="Evening Tide")
    assert "Evening Tide" in _row(owner_client.get("/"), song)

    owner_client.post(f"/clips/{take_b.pk}/pick")
    row = _row(owner_client.get("/"), song)
    assert 'aria-pressed="true">Picked' in row
    assert "Golden Sky</a>" in row  # the pick's title names the song

    set_liked(teammate, take_a, True)  # a teammate's like shows in the owner's row
    row = _row(owner_client.get("/"), song)
    assert f"Liked by {teammate.username}" in row
    assert f'id="like-button-{take_a.pk}" aria-pressed="false"' in row

    set_liked(owner, take_a, True)
    row = _row(owner_client.get("/"), song)
    assert f'id="like-button-{take_a.pk}" aria-pressed="true"' in row


def test_each_page_gets_its_own_return_address_and_a_working_csrf_token(team, owner):
    song = make_song(team, owner, media=False)
    take = song.clips.get(slot="A")
    browser = Client(enforce_csrf_checks=True)
    browser.login(username=owner.username, password=PASSWORD)
    browser.get("/")  # renders and caches the row
    for path in ("/?q=morning", "/?kind=vocal&who=mine"):
        row = _row(browser.get(path), song)
        assert f'name="next" value="{html.escape(path)}"' in row
        assert f'?next={quote(path, safe="/")}"' in row  # Choose a project's link
        for mark in (CSRF_MARK, NEXT_MARK, NEXT_QUERY_MARK):
            assert mark not in row
    page = browser.get("/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    response = browser.post(
        f"/clips/{take.pk}/like", {"csrfmiddlewaretoken": token.group(1), "like": "true"}
    )
    assert response.status_code == 302  # accepted (a wrong token answers 403)
    assert browser.post(f"/clips/{take.pk}/like", {"like": "true"}).status_code == 403


def test_a_title_that_looks_like_a_mark_stays_text(owner_client, team, owner):
    song = make_song(team, owner, titles=(NEXT_MARK, CSRF_MARK), media=False)
    row = _row(owner_client.get("/?q=sea"), song)
    assert html.escape(NEXT_MARK) in row and html.escape(CSRF_MARK) in row
    assert 'value="/?q=sea"' in row  # the real marks were filled in


def _filters(response) -> str:
    page = response.content.decode()
    start = page.index('<form class="card filters"')
    return page[start : page.index("</form>", start)]


def test_the_cached_filter_form_shows_each_request_its_own_values(
    owner_client, team, owner, teammate
):
    make_song(team, owner, media=False)
    plain = _filters(owner_client.get("/"))
    assert _filters(owner_client.get("/")) == plain and "Clear</a>" not in plain

    searched = _filters(owner_client.get("/?q=dawn&key=C+major"))
    assert 'value="dawn"' in searched and "Clear</a>" in searched
    assert '<option value="C major" selected>' in searched
    nonsense = _filters(owner_client.get("/?q=dawn&tempo_from=abc"))  # shown back, ignored
    assert 'value="abc"' in nonsense and "Clear</a>" not in nonsense
    assert 'value="dusk"' in _filters(owner_client.get("/?q=dusk"))
    assert _filters(owner_client.get("/")) == plain

    teammate.username = "renamed"  # a teammate's new name shows under Whose songs
    teammate.save()
    assert f'<option value="{teammate.pk}">renamed</option>' in _filters(owner_client.get("/"))


def test_each_take_of_a_row_has_play_next_add_to_queue_and_add_to_project(
    owner_client, team, owner
):
    song = make_song(team, owner)
    row = _row(owner_client.get("/"), song)
    menu = row[row.index('class="more-menu"') :]
    for take in song.clips.order_by("slot"):
        group = menu[menu.index(f'aria-label="Take {take.slot}"') :]
        group = group[: group.index("</details>")]  # up to its Add to project
        tracks = [
            json.loads(html.unescape(track))
            for track in re.findall(r'data-player="(?:next|queue)" data-track="([^"]+)"', group)
        ]
        assert [track["id"] for track in tracks] == [take.pk, take.pk]
        assert ">Play next</button>" in group and ">Add to queue</button>" in group
        assert f'href="/clips/{take.pk}/projects' in group
