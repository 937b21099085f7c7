"""Likes (issue 15): a Like per take per member on library rows and the song page, the Liked
filter, Most liked, any teammate's songs, and a query count that does not grow with likes."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from studio.library import queries as library_queries
from studio.songs.models import Activity, Clip, Generation
from studio.together.likes import Likes, set_liked
from studio.together.models import Like
from tests.conftest import make_member
from tests.test_library import listed, make_song

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/?q=sea"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


def take(generation: Generation, slot: str = "A") -> Clip:
    return generation.clips.get(slot=slot)


def like_url(clip: Clip) -> str:
    return f"/clips/{clip.pk}/like"


def button(page: str, clip: Clip) -> str:
    """The like form of one take, as rendered."""
    start = page.index(f'<form class="like-form" id="like-{clip.pk}"')
    return page[start : page.index("</form>", start)]


# The button


def test_liking_with_htmx_swaps_in_a_pressed_button_that_says_who(owner_client, team, owner):
    clip = take(make_song(team, owner, media=False))
    response = owner_client.post(like_url(clip), {"like": "true", "next": "/?q=sea"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<form class="like-form" id="like-{clip.pk}"')
    assert f'hx-post="/clips/{clip.pk}/like"' in html and 'hx-swap="outerHTML"' in html
    assert 'aria-pressed="true"' in html and ">Liked<" in html
    # The count, and who liked it as the button's description (hover and keyboard focus).
    assert f'aria-describedby="likers-{clip.pk}"' in html
    assert f'id="likers-{clip.pk}" role="tooltip">Liked by olivia</span>' in html
    assert '<span class="like-count" aria-hidden="true">1</span>' in html
    # The next post (to un-like) returns to the page the button is on.
    assert 'name="like" value="false"' in html and 'name="next" value="/?q=sea"' in html
    assert Like.objects.filter(user=owner, clip=clip).count() == 1


def test_unliking_unpresses_it_and_a_repeated_like_changes_nothing(
    owner_client, team, owner, teammate
):
    clip = take(make_song(team, owner, media=False))
    set_liked(teammate, clip, True)
    owner_client.post(like_url(clip), {"like": "true"}, headers=HTMX)
    again = owner_client.post(like_url(clip), {"like": "true"}, headers=HTMX).content.decode()
    assert "Liked by tom and olivia" in again and 'aria-hidden="true">2</span>' in again
    html = owner_client.post(like_url(clip), {"like": "false"}, headers=HTMX).content.decode()
    assert 'aria-pressed="false"' in html and ">Like<" in html
    assert "Liked by tom</span>" in html and 'name="like" value="true"' in html
    set_liked(teammate, clip, False)
    html = owner_client.post(like_url(clip), {"like": "false"}, headers=HTMX).content.decode()
    assert "aria-describedby" not in html and 'role="tooltip"' not in html
    assert not Like.objects.exists()


def test_a_like_is_recorded_in_the_activity_once_and_not_an_unlike(owner_client, team, owner):
    clip = take(make_song(team, owner, media=False), "B")
    for state in ("true", "true", "false", "false"):
        owner_client.post(like_url(clip), {"like": state})
    (entry,) = Activity.objects.all()
    assert (entry.verb, entry.actor, entry.clip_id) == (Activity.Verb.LIKED, owner, clip.pk)
    assert entry.team == team and entry.generation_id == clip.generation_id


def test_without_javascript_it_redirects_back_to_the_take(owner_client, team, owner):
    clip = take(make_song(team, owner, media=False))
    response = owner_client.post(like_url(clip), {"like": "true", "next": "/?liked=on"})
    assert response.status_code == 302 and response["Location"] == f"/?liked=on#clip-{clip.pk}"
    elsewhere = owner_client.post(
        like_url(clip), {"like": "false", "next": "https://evil.example/"}
    )
    assert elsewhere["Location"] == f"/#clip-{clip.pk}"
    assert not Like.objects.exists()


def test_it_takes_a_post_saying_like_or_not(owner_client, team, owner):
    clip = take(make_song(team, owner, media=False))
    assert owner_client.get(like_url(clip)).status_code == 405
    for data in ({}, {"like": "maybe"}, {"like": "1"}):
        assert owner_client.post(like_url(clip), data).status_code == 400
    assert not Like.objects.exists()


def test_another_teams_or_an_unfinished_take_is_404(
    client, owner_client, team, owner, other_team, outsider
):
    theirs = take(make_song(other_team, outsider, media=False))
    running = take(make_song(team, owner, media=False, status=Generation.Status.RUNNING))
    for clip in (theirs, running):
        response = owner_client.post(like_url(clip), {"like": "true"}, headers=HTMX)
        assert response.status_code == 404
    assert owner_client.post("/clips/999999/like", {"like": "true"}).status_code == 404
    assert not Like.objects.exists()
    client.logout()
    assert client.post(like_url(theirs), {"like": "true"}).status_code in (302, 403, 404)


def test_rows_and_the_song_page_show_each_takes_likes(owner_client, team, owner, teammate):
    generation = make_song(team, owner, media=False)
    a, b = take(generation, "A"), take(generation, "B")
    set_liked(teammate, a, True)
    set_liked(owner, b, True)
    for url in ("/", f"/songs/{generation.pk}/"):
        page = owner_client.get(url).content.decode()
        like_a, like_b = button(page, a), button(page, b)
        assert 'aria-pressed="false"' in like_a and "Liked by tom</span>" in like_a
        assert '<span class="sr-only"> take A</span>' in like_a
        assert 'aria-pressed="true"' in like_b and "Liked by olivia</span>" in like_b
        assert f'name="next" value="{url}"' in like_a and "csrfmiddlewaretoken" in like_a
    row = owner_client.get("/").content.decode()
    # In the row's like slot, after the takes (their Play and Pick buttons come first).
    assert row.index('<div class="like-slot"') > row.index(f'id="pick-button-{b.pk}"')


def test_likes_never_come_from_the_cached_players(owner_client, team, owner, teammate):
    clip = take(make_song(team, owner, media=False))
    owner_client.get("/")  # the clips' players are now cached
    set_liked(teammate, clip, True)
    assert "Liked by tom" in button(owner_client.get("/").content.decode(), clip)


def test_the_summary_names_everyone():
    assert Likes().summary == "" and Likes().count == 0
    assert Likes(("tom",)).summary == "Liked by tom"
    assert Likes(("tom", "sam", "olivia"), mine=True).summary == "Liked by tom, sam and olivia"


# The library's filters and order


def test_liked_lists_only_my_liked_takes(owner_client, team, owner, teammate):
    mine = make_song(team, owner, media=False, age_minutes=3)
    theirs_liked_by_tom = make_song(team, owner, media=False, age_minutes=2)
    neither = make_song(team, owner, media=False, age_minutes=1)
    set_liked(owner, take(mine, "B"), True)
    set_liked(teammate, take(theirs_liked_by_tom, "A"), True)
    response = owner_client.get("/?liked=on")
    assert listed(response) == [mine.pk]
    page = response.content.decode()
    assert page.count('class="row-take"') == 1 and f'id="clip-{take(mine, "B").pk}"' in page
    assert "1 song found" in page and ">Clear</a>" in page
    assert neither.pk not in listed(owner_client.get("/?liked=on"))


def test_liked_and_picks_together_need_a_picked_take_i_liked(owner_client, team, owner):
    split = make_song(team, owner, media=False, age_minutes=2)
    both = make_song(team, owner, media=False, age_minutes=1)
    Clip.objects.filter(pk__in=[take(split, "A").pk, take(both, "B").pk]).update(is_pick=True)
    set_liked(owner, take(split, "B"), True)
    set_liked(owner, take(both, "B"), True)
    response = owner_client.get("/?liked=on&picks=on")
    assert listed(response) == [both.pk]
    assert response.content.decode().count('class="row-take"') == 1


def test_most_liked_comes_first_then_newest(owner_client, team, owner, teammate):
    sam = make_member(team, "sam")
    old_favourite = make_song(team, owner, media=False, age_minutes=5)
    liked_once = make_song(team, owner, media=False, age_minutes=4)
    unliked_new = make_song(team, owner, media=False, age_minutes=1)
    unliked_old = make_song(team, owner, media=False, age_minutes=3)
    for user, clip in (
        (owner, take(old_favourite, "A")),
        (teammate, take(old_favourite, "A")),
        (sam, take(old_favourite, "B")),
        (sam, take(liked_once, "B")),
    ):
        set_liked(user, clip, True)
    assert listed(owner_client.get("/?sort=liked")) == [
        old_favourite.pk,
        liked_once.pk,
        unliked_new.pk,
        unliked_old.pk,
    ]
    assert listed(owner_client.get("/"))[0] == unliked_new.pk  # Newest, as before
    assert listed(owner_client.get("/?sort=liked&liked=on")) == [old_favourite.pk]


@pytest.mark.parametrize("short_list", [5000, 0], ids=["few-listed", "many-song-by-song"])
def test_liked_and_tempo_filters_answer_the_same_however_many_takes_match(
    owner_client, team, owner, monkeypatch, short_list
):
    monkeypatch.setattr(library_queries, "SHORT_LIST", short_list)  # 0: every set counts as many
    songs = [make_song(team, owner, media=False, age_minutes=minutes) for minutes in (4, 3, 2, 1)]
    set_liked(owner, take(songs[0], "B"), True)
    set_liked(owner, take(songs[2], "A"), True)
    Clip.objects.filter(pk=take(songs[2], "A").pk).update(is_pick=True)
    Clip.objects.filter(pk=take(songs[1], "B").pk).update(tempo_bpm=96.4, key="C major")
    Clip.objects.filter(pk=take(songs[3], "A").pk).update(tempo_bpm=120.0, key="C major")
    assert listed(owner_client.get("/?liked=on")) == [songs[2].pk, songs[0].pk]
    assert listed(owner_client.get("/?liked=on&picks=on")) == [songs[2].pk]
    assert listed(owner_client.get("/?key=C+major")) == [songs[3].pk, songs[1].pk]
    assert listed(owner_client.get("/?tempo_from=90&tempo_to=96&key=C+major")) == [songs[1].pk]


def test_a_songs_like_count_follows_likes_unlikes_and_deletions(team, owner, teammate):
    song = make_song(team, owner, media=False)

    def count() -> int:
        return Generation.objects.get(pk=song.pk).like_count

    set_liked(owner, take(song, "A"), True)
    set_liked(owner, take(song, "A"), True)  # the same like again: no change
    set_liked(teammate, take(song, "B"), True)
    assert count() == 2
    set_liked(owner, take(song, "A"), False)
    assert count() == 1
    teammate.delete()  # their likes go with them
    assert count() == 0 and not Like.objects.exists()


def test_whose_songs_offers_each_teammate(owner_client, team, owner, teammate, outsider):
    mine = make_song(team, owner, media=False, age_minutes=2)
    toms = make_song(team, teammate, media=False, age_minutes=1)
    page = owner_client.get("/").content.decode()
    select = page[page.index('name="who"') :]
    select = select[: select.index("</select>")]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    assert options == [("", "Whole team"), ("mine", "Mine"), (str(teammate.pk), "tom")]
    assert "oscar" not in page
    assert listed(owner_client.get(f"/?who={teammate.pk}")) == [toms.pk]
    assert listed(owner_client.get("/?who=mine")) == [mine.pk]


@pytest.mark.parametrize("who", ["outsider", "nonsense", "-1", "99999999999999999999", "1.5"])
def test_anyone_else_under_whose_songs_is_ignored(
    owner_client, team, owner, teammate, other_team, outsider, who
):
    songs = [make_song(team, owner, media=False, age_minutes=m) for m in (1, 2)]
    make_song(other_team, outsider, prompt="rival song", media=False)
    value = str(outsider.pk) if who == "outsider" else who
    response = owner_client.get("/", {"who": value})
    assert response.status_code == 200
    assert listed(response) == [song.pk for song in songs]  # the whole team's, no one else's
    assert "rival song" not in response.content.decode()


def test_the_new_filters_are_labelled_in_the_get_form(owner_client, team, owner):
    make_song(team, owner, media=False)
    page = owner_client.get("/").content.decode()
    form = page[page.index('<form class="card filters"') :]
    form = form[: form.index("</form>")]
    assert 'type="checkbox" name="liked"' in form and 'for="id_liked">Liked</label>' in form
    assert 'for="id_sort">Sort</label>' in form
    assert '<option value="" selected>Newest</option>' in form
    assert '<option value="liked">Most liked</option>' in form


# Queries: constant whatever the number of likes


def queries(client, url: str) -> int:
    client.get(url)  # clips' players cached, as on a running server
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_pages_make_as_many_queries_with_many_likes_as_with_one(
    owner_client, team, owner, teammate
):
    members = [owner, teammate, *(make_member(team, f"member{i}") for i in range(4))]
    first = make_song(team, teammate, media=False, age_minutes=30)
    set_liked(owner, take(first), True)
    pages = ["/", f"/?liked=on&sort=liked&who={teammate.pk}", f"/songs/{first.pk}/"]
    few = [queries(owner_client, url) for url in pages]

    songs = [make_song(team, teammate, media=False, age_minutes=m) for m in range(20)]
    Like.objects.bulk_create(
        Like(user=user, clip=clip)
        for song in [first, *songs]
        for clip in song.clips.all()
        for user in members
        if (user, clip) != (owner, take(first))
    )
    assert Like.objects.count() == 21 * 2 * len(members)  # 252
    assert [queries(owner_client, url) for url in pages] == few
    assert len(listed(owner_client.get(pages[1]))) == 20
    page = owner_client.get(f"/songs/{first.pk}/").content.decode()
    assert "Liked by olivia, tom, member0, member1, member2 and member3" in page


def test_seeded_libraries_carry_likes_by_their_own_teams_members():
    call_command("seed_library", generations=40, users=4, stdout=io.StringIO())
    likes = Like.objects.select_related("user__membership", "clip__generation")
    assert 0 < likes.count() <= 80 * 2  # a share of the 80 takes, by one or both members
    assert all(like.user.membership.team_id == like.clip.generation.team_id for like in likes)
    call_command("seed_library", generations=0, reset=True, stdout=io.StringIO())
    assert not Like.objects.exists()
