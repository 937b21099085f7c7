"""The lyrics assistant ("Write lyrics for me", DESIGN §1 and §6): a background draft from
POST /music/lyrics, against the simulator over HTTP; its status fragment, errors and
validation, team isolation, and the page without JavaScript."""

from __future__ import annotations

import re
from datetime import timedelta
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone

from studio.flowmusic.errors import NO_LYRICS_MESSAGE
from studio.songs import tasks
from studio.songs.compose.forms import THEME_REQUIRED
from studio.songs.models import Generation, LyricsDraft

HTMX = {"HTTP_HX_REQUEST": "true"}
STRUCTURE = "[Verse] [Chorus] [Verse] [Chorus]"
THEME = "a lighthouse keeper waiting for the storm to pass"


def lyrics_calls(simulator) -> list:
    return [r for r in simulator.state.requests if r.route == "POST /music/lyrics"]


def section_tags(lyrics: str) -> list[str]:
    return re.findall(r"^\[[^\]]+\]", lyrics, re.M)


def write(client, htmx: bool = True, **data):
    fields = {"prompt": THEME, **data}
    return client.post(reverse("lyrics_draft"), fields, **(HTMX if htmx else {}))


def status(client, draft: LyricsDraft) -> str:
    return client.get(reverse("lyrics_draft_status", args=[draft.pk])).content.decode()


@pytest.mark.usefixtures("pipeline")
def test_a_draft_is_written_in_the_background_and_follows_the_structure(owner_client, simulator):
    response = write(owner_client, lyrics_structure=STRUCTURE)
    assert response.status_code == 200
    draft = LyricsDraft.objects.get()
    assert draft.status == LyricsDraft.Status.COMPLETED, draft.error_message
    assert draft.prompt == THEME and draft.structure == STRUCTURE and draft.account_choice == ""
    assert section_tags(draft.lyrics) == ["[Verse]", "[Chorus]", "[Verse]", "[Chorus]"]
    assert draft.title
    (call,) = lyrics_calls(simulator)
    assert call.json == {"prompt": THEME, "structure": STRUCTURE}  # Auto: no email sent

    # The answer to the click shows the progress state and polls; the next poll is the result.
    fragment = response.content.decode()
    assert "Writing lyrics…" in fragment and 'role="status"' in fragment
    assert 'hx-trigger="every 1s"' in fragment
    done = status(owner_client, draft)
    assert 'data-status="completed"' in done and "every 1s" not in done
    assert f'data-lyrics="{escape(draft.lyrics)}"' in done
    assert f'data-title="{escape(draft.title)}"' in done
    assert ">Undo</button>" in done and "they are in the Lyrics field" in done


@pytest.mark.usefixtures("pipeline")
def test_the_theme_field_wins_over_the_prompt_and_the_account_is_sent(owner_client, simulator):
    write(owner_client, lyrics_theme="leaving home at nineteen", account="bob@example.com")
    draft = LyricsDraft.objects.get()
    assert draft.status == LyricsDraft.Status.COMPLETED, draft.error_message
    (call,) = lyrics_calls(simulator)
    assert call.json == {"prompt": "leaving home at nineteen", "email": "bob@example.com"}


@pytest.mark.usefixtures("pipeline")
def test_no_lyrics_shows_what_to_type_instead(owner_client, simulator):
    write(owner_client, prompt="lo-fi, 80 bp, x!")  # no word of three letters or more
    draft = LyricsDraft.objects.get()
    assert draft.status == LyricsDraft.Status.FAILED
    assert draft.error_code == "no_lyrics" and draft.error_message == NO_LYRICS_MESSAGE
    fragment = status(owner_client, draft)
    assert escape(NO_LYRICS_MESSAGE) in fragment and 'role="alert"' in fragment
    assert "data-lyrics=" not in fragment and "every 1s" not in fragment


@pytest.mark.usefixtures("pipeline")
def test_an_account_in_error_says_which_and_what_to_do(owner_client, simulator):
    write(owner_client, account="broken@example.com")
    draft = LyricsDraft.objects.get()
    assert draft.status == LyricsDraft.Status.FAILED and draft.error_code == "account_error"
    assert "broken@example.com" in draft.error_message
    assert "refresh token rejected" in draft.error_message
    assert draft.error_message.endswith("Choose Auto or another account, then try again.")
    assert "Choose Auto or another account" in status(owner_client, draft)


@pytest.mark.usefixtures("pipeline")
@pytest.mark.parametrize("fault", ["503", "drop"])
def test_an_upstream_failure_says_to_try_again(owner_client, simulator, fault):
    simulator.state.inject("POST /music/lyrics", fault)
    write(owner_client)
    draft = LyricsDraft.objects.get()
    assert draft.status == LyricsDraft.Status.FAILED
    assert "try again" in draft.error_message


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"prompt": "", "lyrics_theme": "  "}, THEME_REQUIRED),
        ({"lyrics_theme": "t" * 2_001}, "Theme: Keep this under 2,000 characters"),
        ({"lyrics_structure": "[Verse] " * 300}, "Structure: Keep this under 2,000 characters"),
        ({"prompt": "p" * 2_500}, "The Prompt is too long to be the lyrics theme"),
        ({"account": "mallory@example.com"}, "Account: Choose Auto or one of the listed"),
    ],
)
def test_invalid_requests_are_refused_with_a_message(owner_client, simulator, data, words):
    response = write(owner_client, **data)
    fragment = response.content.decode()
    assert response.status_code == 200 and words in fragment
    assert 'role="alert"' in fragment
    assert not LyricsDraft.objects.exists() and not lyrics_calls(simulator)


def test_a_pending_draft_polls_and_a_stalled_one_fails(owner_client, team, owner):
    draft = LyricsDraft.objects.create(team=team, author=owner, prompt="rain")
    fragment = status(owner_client, draft)
    assert 'hx-trigger="every 1s"' in fragment and "Writing lyrics…" in fragment
    LyricsDraft.objects.filter(pk=draft.pk).update(created=timezone.now() - timedelta(hours=1))
    fragment = status(owner_client, draft)
    assert "took too long" in fragment and "every 1s" not in fragment
    draft.refresh_from_db()
    assert draft.status == LyricsDraft.Status.FAILED and draft.error_code == "stalled"


def test_another_teams_draft_is_404(client, team, owner, outsider, simulator):
    draft = LyricsDraft.objects.create(team=team, author=owner, prompt="ours", lyrics="[Verse]")
    client.force_login(outsider)
    assert client.get(reverse("lyrics_draft_status", args=[draft.pk])).status_code == 404
    checked = client.post(reverse("lyrics_draft"), {"prompt": "x", "lyrics_check": draft.pk})
    assert checked.status_code == 404


def test_running_the_task_twice_asks_the_upstream_once(team, owner, simulator):
    draft = LyricsDraft.objects.create(team=team, author=owner, prompt=THEME)
    tasks.write_lyrics(draft.pk)
    tasks.write_lyrics(draft.pk)
    draft.refresh_from_db()
    assert draft.status == LyricsDraft.Status.COMPLETED, draft.error_message
    assert len(lyrics_calls(simulator)) == 1
    tasks.write_lyrics(draft.pk + 1000)  # gone: nothing to do, quietly


def test_login_is_required(client, owner):
    response = client.post(reverse("lyrics_draft"), {"prompt": "x"})
    assert response.status_code == 302 and "/login" in response.url


# Without JavaScript: the button posts the whole song form, and the page comes back. ----------


def textarea(page: str, name: str) -> str:
    found = re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.S)
    assert found, name
    return found.group(1)


@pytest.mark.usefixtures("pipeline")
def test_without_javascript_the_page_keeps_what_was_typed_and_fills_in(owner_client, simulator):
    typed = {
        "prompt": THEME,
        "lyrics": "my own first line",
        "instrumental": "on",
        "model": "lyria-3.5",
        "lyrics_structure": "[Verse] [Chorus]",
    }
    page = write(owner_client, htmx=False, **typed).content.decode()
    draft = LyricsDraft.objects.get()
    assert THEME in page and textarea(page, "lyrics") == "my own first line"
    assert '<option value="lyria-3.5" selected>' in page and 'value="[Verse] [Chorus]"' in page
    assert "Writing lyrics…" in page and f'name="lyrics_check" value="{draft.pk}"' in page

    checked = write(owner_client, htmx=False, **typed, lyrics_check=draft.pk).content.decode()
    draft.refresh_from_db()
    assert textarea(checked, "lyrics") == escape(draft.lyrics)
    assert f'name="title" value="{escape(draft.title)}"' in checked
    assert 'id="id_instrumental" checked' not in checked
    assert re.search(r"data-instrumental-unticked>Instrumental is now unticked", checked)
    assert 'name="previous_lyrics" value="my own first line"' in checked

    undo = {**typed, "lyrics": draft.lyrics, "instrumental": "", "title": draft.title}
    back = {"previous_lyrics": "my own first line", "previous_title": ""}
    undone = write(
        owner_client, htmx=False, **undo, **back, previous_instrumental="on", lyrics_undo="1"
    ).content.decode()
    assert textarea(undone, "lyrics") == "my own first line"
    assert 'id="id_instrumental" checked' in undone
    assert len(lyrics_calls(simulator)) == 1 and not Generation.objects.exists()


def test_without_javascript_an_invalid_request_shows_its_error_on_the_page(owner_client, simulator):
    response = write(owner_client, htmx=False, prompt="", lyrics="kept")
    page = response.content.decode()
    assert response.status_code == 400 and THEME_REQUIRED in page
    assert textarea(page, "lyrics") == "kept"
    assert not LyricsDraft.objects.exists()
