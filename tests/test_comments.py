"""Comments on the song page (issue 15): stamped with the playhead, replies one level deep,
edit and delete one's own, live by cheap polling, within the team, at a fixed query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from studio.songs.models import Activity
from studio.together import comments
from studio.together.models import Comment
from tests.conftest import make_member
from tests.test_library import make_song

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def song(team, owner):
    return make_song(team, owner, media=False)  # takes A and B, 125.4 s each


@pytest.fixture
def take_a(song):
    return song.clips.get(slot="A")


def post(client, song, clip, text="Love the drop here", at="72.3", headers=None, **extra):
    data = {"clip": clip.pk, "text": text, "at": at, "stamped": "on", **extra}
    return client.post(reverse("song_comments", args=[song.pk]), data, **(headers or {}))


def say(author, clip, text="nice", at=10.0) -> Comment:
    return comments.post(author, clip, text, at)


# Posting


def test_a_member_posts_a_comment_stamped_with_the_playhead(owner_client, owner, song, take_a):
    response = post(owner_client, song, take_a)
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/songs/{song.pk}/#comment-{comment.pk}"
    assert (comment.clip, comment.author, comment.text) == (take_a, owner, "Love the drop here")
    assert comment.at_seconds == 72.3 and comment.parent is None and comment.edited is None
    entry = Activity.objects.get(verb=Activity.Verb.COMMENTED)
    assert (entry.actor, entry.clip, entry.generation, entry.detail) == (
        owner, take_a, song, {"at": 72.3},
    )  # fmt: skip

    page = owner_client.get(f"/songs/{song.pk}/").content.decode()
    assert 'id="comments-title">Comments</h2>' in page
    assert f'data-clip="{take_a.pk}"' in page and 'data-at="72.30"' in page
    assert ">at 1:12</button>" in page and "Love the drop here" in page and "olivia" in page


def test_htmx_gets_a_fresh_form_and_the_list_out_of_band(owner_client, song, take_a):
    take_b = song.clips.get(slot="B")
    response = post(owner_client, song, take_b, text="B is warmer", at="3", headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index('id="comment-form"') < html.index('id="comments-list"')
    assert 'hx-swap-oob="true"' in html and "B is warmer" in html and "at 0:03" in html
    # The fresh form is empty and stays on the take just commented on.
    form = response.context["comment_form"]
    assert not form.is_bound and form.initial["clip"] == take_b.pk


def test_unticked_the_comment_has_no_time(owner_client, song, take_a):
    data = {"clip": take_a.pk, "text": "General thought", "at": "40"}  # no "stamped"
    owner_client.post(reverse("song_comments", args=[song.pk]), data)
    assert Comment.objects.get().at_seconds is None
    assert "data-comment-seek" not in owner_client.get(f"/songs/{song.pk}/").content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"at": "125.5"}, "at", "past the end of Take A (2:05)"),
        ({"at": "-1"}, "at", "cannot be before the start"),
        ({"at": "nan"}, "at", "Enter a number"),
        ({"text": "   "}, "text", "Write something first."),
        ({"text": "x" * 2001}, "text", "at most 2,000 characters (this one has 2001)"),
    ],
)
def test_a_bad_comment_is_refused_with_a_reason_under_its_field(
    owner_client, song, take_a, changes, field, message
):
    response = post(owner_client, song, take_a, **changes, headers=HTMX)
    assert response.status_code == 200  # htmx swaps only successful answers
    assert message in " ".join(response.context["comment_form"].errors[field])
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not Comment.objects.exists() and not Activity.objects.exists()
    # Without JavaScript: a page of its own with the form to correct.
    plain = post(owner_client, song, take_a, **changes)
    assert plain.status_code == 400 and "Post comment" in plain.content.decode()


def test_the_end_of_the_take_and_2000_characters_are_allowed(owner_client, song, take_a):
    post(owner_client, song, take_a, text="y" * 2000, at="125.4")
    assert Comment.objects.get().at_seconds == 125.4


def test_a_take_of_another_song_is_not_a_choice(owner_client, team, owner, song):
    other = make_song(team, owner, media=False).clips.get(slot="A")
    response = post(owner_client, song, other, headers=HTMX)
    assert "clip" in response.context["comment_form"].errors
    assert not Comment.objects.exists()


# Showing


def test_comments_read_as_a_conversation_on_their_own_song(
    owner_client, owner, teammate, team, song, take_a
):
    take_b = song.clips.get(slot="B")
    first = say(teammate, take_b, "first", at=5)
    second = say(owner, take_a, "second <b>bold</b>", at=75)
    other_song = make_song(team, owner, media=False)
    say(owner, other_song.clips.get(slot="A"), "elsewhere")

    context = owner_client.get(f"/songs/{song.pk}/").context
    threads = context["comments"].threads
    assert threads == [first, second]  # newest last
    assert [t.clip.take_name for t in threads] == ["Take B", "Take A"]
    assert [t.at_text for t in threads] == ["0:05", "1:15"]
    page = owner_client.get(f"/songs/{song.pk}/").content.decode()
    assert "elsewhere" not in page
    assert "second &lt;b&gt;bold&lt;/b&gt;" in page  # escaped
    # Edit and Delete only on one's own.
    assert page.count(">Edit</summary>") == 1
    assert f'hx-get="/comments/{second.pk}/edit"' in page
    assert f"/comments/{first.pk}/edit" not in page


def test_reply_and_edit_forms_load_when_opened_or_open_on_a_page(client, owner, teammate, take_a):
    mine = say(owner, take_a, "first take")
    client.force_login(owner)
    form = client.get(f"/comments/{mine.pk}/edit", **HTMX).content.decode()
    assert "<html" not in form and f'action="/comments/{mine.pk}/edit"' in form
    assert ">first take</textarea>" in form
    page = client.get(f"/comments/{mine.pk}/reply").content.decode()
    assert "<h1" in page and f'action="/comments/{mine.pk}/reply"' in page
    client.force_login(teammate)
    assert client.get(f"/comments/{mine.pk}/edit", **HTMX).status_code == 403
    assert client.get(f"/comments/{mine.pk}/reply", **HTMX).status_code == 200


# Replies


def test_replies_are_one_level_deep_and_have_no_time(owner_client, owner, teammate, take_a):
    top = say(teammate, take_a, "Top", at=30)
    response = owner_client.post(f"/comments/{top.pk}/reply", {"text": "Agreed"}, **HTMX)
    assert response.status_code == 200
    first = Comment.objects.get(text="Agreed")
    assert (first.parent, first.clip, first.at_seconds, first.author) == (top, take_a, None, owner)
    html = response.content.decode()
    assert html.strip().startswith("<li") and f'id="comment-{top.pk}"' in html and "Agreed" in html

    # A reply to a reply joins the same thread.
    owner_client.post(f"/comments/{first.pk}/reply", {"text": "Me again"})
    assert Comment.objects.get(text="Me again").parent == top
    thread = comments.conversation(list(take_a.generation.clips.all())).threads
    assert thread == [top] and [r.text for r in thread[0].replies.all()] == ["Agreed", "Me again"]
    assert Activity.objects.filter(verb=Activity.Verb.COMMENTED, actor=owner).count() == 2


def test_an_empty_reply_opens_its_form_again_with_the_reason(owner_client, owner, take_a):
    top = say(owner, take_a)
    response = owner_client.post(f"/comments/{top.pk}/reply", {"text": ""}, **HTMX)
    html = response.content.decode()
    assert '<details class="comment-reply" open>' in html and "Write something first." in html
    assert Comment.objects.count() == 1


# Editing and deleting


def test_members_edit_their_own_comments_which_then_say_edited(owner_client, owner, take_a):
    mine = say(owner, take_a, "typo hree")
    response = owner_client.post(f"/comments/{mine.pk}/edit", {"text": "typo here"}, **HTMX)
    mine.refresh_from_db()
    assert mine.text == "typo here" and mine.edited is not None
    assert ">edited</span>" in response.content.decode()
    # Saved unchanged: not an edit.
    stamp = mine.edited
    owner_client.post(f"/comments/{mine.pk}/edit", {"text": "typo here"})
    mine.refresh_from_db()
    assert mine.edited == stamp
    # Emptied: refused, the edit form open with the reason.
    response = owner_client.post(f"/comments/{mine.pk}/edit", {"text": " "}, **HTMX)
    assert '<details class="comment-edit" open>' in response.content.decode()
    mine.refresh_from_db()
    assert mine.text == "typo here"


def test_members_delete_their_own_comments_with_their_replies(
    owner_client, owner, teammate, take_a
):
    mine = say(owner, take_a, "mine")
    comments.reply(teammate, mine, "a reply")
    kept = say(teammate, take_a, "kept")
    response = owner_client.post(f"/comments/{mine.pk}/delete", **HTMX)
    assert response.status_code == 200
    assert list(Comment.objects.all()) == [kept]
    html = response.content.decode()
    assert 'id="comments-list"' in html and "kept" in html and "mine" not in html


def test_nobody_changes_anothers_comment(client, owner, teammate, take_a):
    theirs = say(teammate, take_a, "tom's")
    client.force_login(owner)  # the team's owner too
    assert client.post(f"/comments/{theirs.pk}/edit", {"text": "hacked"}).status_code == 403
    assert client.post(f"/comments/{theirs.pk}/delete").status_code == 403
    theirs.refresh_from_db()
    assert theirs.text == "tom's"
    # Replying is for everyone.
    assert client.post(f"/comments/{theirs.pk}/reply", {"text": "ok"}).status_code == 302


def test_a_gone_authors_comment_is_nobodys_to_change(owner_client, team, take_a):
    leaver = make_member(team, "lea")
    left = say(leaver, take_a, "bye")
    leaver.delete()
    assert owner_client.post(f"/comments/{left.pk}/edit", {"text": "x"}).status_code == 403
    assert "Someone" in owner_client.get(f"/songs/{take_a.generation_id}/").content.decode()


# Team isolation


def test_another_teams_comments_and_songs_are_404(owner_client, other_team, outsider):
    their_song = make_song(other_team, outsider, media=False)
    their_clip = their_song.clips.get(slot="A")
    theirs = say(outsider, their_clip, "private")
    for path in ("reply", "edit", "delete"):
        response = owner_client.post(f"/comments/{theirs.pk}/{path}", {"text": "x"}, **HTMX)
        assert response.status_code == 404, path
    url = reverse("song_comments", args=[their_song.pk])
    assert owner_client.get(url, **HTMX).status_code == 404
    assert post(owner_client, their_song, their_clip, headers=HTMX).status_code == 404
    assert list(Comment.objects.values_list("text", flat=True)) == ["private"]


def test_their_take_cannot_be_commented_through_our_song(owner_client, song, other_team, outsider):
    their_clip = make_song(other_team, outsider, media=False).clips.get(slot="A")
    response = post(owner_client, song, their_clip, headers=HTMX)
    assert "clip" in response.context["comment_form"].errors
    assert not Comment.objects.exists()


# Live updates


def test_polling_answers_204_until_something_changes(owner_client, owner, teammate, song, take_a):
    url = reverse("song_comments", args=[song.pk])
    state = owner_client.get(f"/songs/{song.pk}/").context["comments"].state
    with CaptureQueriesContext(connection) as queries:
        unchanged = owner_client.get(url, {"since": state}, **HTMX)
    assert unchanged.status_code == 204 and unchanged.content == b""
    assert len(queries) == 5  # session, user, membership, the song, the state: no list

    comment = say(teammate, take_a, "new one")
    changed = owner_client.get(url, {"since": state}, **HTMX)
    assert changed.status_code == 200 and "new one" in changed.content.decode()
    state = changed.context["comments"].state
    assert state == comments.state_of(song)
    assert owner_client.get(url, {"since": state}, **HTMX).status_code == 204

    # An edit, a reply and a delete each change the state.
    for change in (
        lambda: comments.edit(comment, teammate, "edited one"),
        lambda: comments.reply(owner, comment, "reply"),
        lambda: comments.delete(comment, teammate),
    ):
        change()
        changed = owner_client.get(url, {"since": state}, **HTMX)
        assert changed.status_code == 200
        state = changed.context["comments"].state  # read from the rows shown...
        assert state == comments.state_of(song)  # ...as the cheap query reads it


def test_the_list_url_without_htmx_goes_to_the_song(owner_client, song):
    response = owner_client.get(reverse("song_comments", args=[song.pk]))
    assert response.status_code == 302 and response["Location"] == f"/songs/{song.pk}/#comments"


# Cost


def song_page_queries(client, song) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/songs/{song.pk}/").status_code == 200
    return len(queries)


def test_the_comments_cost_a_fixed_number_of_queries(owner_client, owner, teammate, team, song):
    song_page_queries(owner_client, song)  # the takes' media are cached from now on
    empty = song_page_queries(owner_client, song)
    first = say(owner, song.clips.get(slot="A"), "the first")
    comments.reply(teammate, first, "and its reply")
    one = song_page_queries(owner_client, song)
    others = [make_member(team, f"member{i}") for i in range(3)]
    for i, clip in enumerate(list(song.clips.all()) * 5):
        top = say(others[i % 3], clip, f"comment {i}", at=i)
        for who in (owner, teammate, others[0]):
            comments.reply(who, top, f"reply to {i}")
    many = song_page_queries(owner_client, song)
    assert many == one == empty + 1  # no comments: no replies to look for
    threads = owner_client.get(f"/songs/{song.pk}/").context["comments"].threads
    assert sum(1 + len(thread.replies.all()) for thread in threads) == 42
    # Of which the section's own: the comments and their replies.
    clips = list(song.clips.all())
    with CaptureQueriesContext(connection) as queries:
        talk = comments.conversation(clips)
        [(t.author, t.clip, [(r.author, r.clip) for r in t.replies.all()]) for t in talk.threads]
    assert len(queries) == 2


def test_the_cached_list_shows_changes_at_once_and_each_viewer_their_own_controls(
    owner, teammate, song, take_a
):
    from django.test import Client

    from tests.conftest import PASSWORD

    def page(user) -> tuple[Client, str]:
        browser = Client(enforce_csrf_checks=True)
        browser.login(username=user.username, password=PASSWORD)
        return browser, browser.get(reverse("song", args=[song.pk])).content.decode()

    mine = say(owner, take_a, "first take is warmer")
    _, seen = page(owner)
    assert "first take is warmer" in seen
    assert reverse("comment_delete", args=[mine.pk]) in seen  # the author's own Delete
    _, theirs = page(teammate)
    assert reverse("comment_delete", args=[mine.pk]) not in theirs

    comments.edit(mine, owner, "second take is warmer")  # shown at once, marked edited
    browser, seen = page(owner)
    assert "second take is warmer" in seen and "edited</span>" in seen
    owner.username = "renamed"
    owner.save()
    browser, seen = page(owner)
    assert '<strong class="comment-author">renamed</strong>' in seen
    # The Delete form of a cached list carries this page's own CSRF token.
    form = seen[seen.index(f'action="{reverse("comment_delete", args=[mine.pk])}"') :]
    token = form.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = browser.post(
        reverse("comment_delete", args=[mine.pk]), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and not Comment.objects.filter(pk=mine.pk).exists()
