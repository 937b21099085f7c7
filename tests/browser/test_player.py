"""The player bar: one <audio> that keeps playing while the user moves between pages (htmx swaps
only <main>), a play queue, auto-advance, a queue that survives a reload, shortcuts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AUDIO = "#player-audio"


def audio_state(page: Page) -> dict:
    return page.evaluate(
        """() => {
            const a = document.getElementById('player-audio');
            const t = window.StudioPlayer.current();
            return {time: a.currentTime, paused: a.paused, src: a.getAttribute('src'),
                    id: t && t.id, title: t && t.title};
        }"""
    )


def wait_playing_past(page: Page, seconds: float, timeout: float = 15_000) -> None:
    page.wait_for_function(
        "t => { const a = document.getElementById('player-audio');"
        " return !a.paused && a.currentTime > t; }",
        arg=seconds,
        timeout=timeout,
    )


def watch_playback(page: Page) -> None:
    """Marks this document (a full page load would lose it) and records every playhead."""
    page.evaluate(
        """() => {
            window.__samePage = true;
            window.__times = [];
            const a = document.getElementById('player-audio');
            a.addEventListener('timeupdate', () => {
                window.__times.push([a.getAttribute('src'), a.currentTime]);
            });
        }"""
    )


def assert_kept_playing(page: Page, src: str) -> None:
    """Same document, same take, still playing, and its playhead never went back."""
    assert page.evaluate("window.__samePage === true"), "a full page load happened"
    state = audio_state(page)
    assert not state["paused"] and state["src"] == src
    times = [t for s, t in page.evaluate("window.__times") if s == src]
    assert times and all(b >= a for a, b in zip(times, times[1:], strict=False)), times


def tracks_on_page(page: Page) -> list[dict]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-player="play"][data-track]'),
                            el => JSON.parse(el.dataset.track))"""
    )


def open_more(page: Page, row_index: int):
    row = page.locator("[data-row]").nth(row_index)
    row.locator("details.more > summary").click()
    return row


def test_the_player_keeps_playing_across_pages_queues_and_comes_back_after_a_reload(
    page: Page, studio, owner, three_songs
):
    page.set_viewport_size({"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, studio.url)
    rows = page.locator("[data-row]")
    expect(rows).to_have_count(3)
    watch_playback(page)

    # Play the newest song's first take from its row.
    rows.first.locator('[data-player="play"]').first.click()
    wait_playing_past(page, 0.3)
    first = audio_state(page)
    bar = page.get_by_role("region", name="Player")
    expect(bar.get_by_role("button", name="Pause", exact=True)).to_be_visible()
    expect(bar.locator("#player-title")).to_have_text(first["title"])
    # The row's own control says it is the one playing.
    expect(rows.first.locator('[data-player="play"]').first).to_have_attribute(
        "data-state", "playing"
    )

    # Queue the two other songs (their take A), from their rows' menus.
    for row_index in (1, 2):
        row = open_more(page, row_index)
        row.get_by_role("group", name="Take A").get_by_role("button", name="Add to queue").click()
        row.locator("details.more > summary").click()  # closes the menu
    queued = page.evaluate("StudioPlayer.queue().map(t => t.id)")
    assert len(queued) == 3 and queued[0] == first["id"]

    # Move through the navigation: the same audio goes on, never restarted, without a page load.
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Queue", exact=True).click()
    expect(page).to_have_url(re.compile(r"/queue/$"))
    expect(page.get_by_role("heading", name="Queue", level=1)).to_be_visible()
    expect(page).to_have_title("Queue · Studio")
    expect(nav.get_by_role("link", name="Queue", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    at_queue = audio_state(page)["time"]
    nav.get_by_role("link", name="Compose", exact=True).click()
    expect(page).to_have_url(re.compile(r"/compose/$"))
    expect(page.get_by_label("Prompt", exact=True)).to_be_visible()
    expect(page).to_have_title("Compose · Studio")
    wait_playing_past(page, at_queue + 0.3)
    assert_kept_playing(page, first["src"])

    # Next plays the next take of the queue.
    bar.get_by_role("button", name="Next", exact=True).click()
    page.wait_for_function(f"() => StudioPlayer.current().id === {queued[1]}")
    wait_playing_past(page, 0.2)
    second = audio_state(page)
    assert second["src"] != first["src"]
    expect(bar.locator("#player-title")).to_have_text(second["title"])
    assert page.evaluate("navigator.mediaSession.metadata.title") == second["title"]

    # A take that ends starts the next one by itself.
    page.evaluate("StudioPlayer.seek(StudioPlayer.audio.duration - 0.4)")
    page.wait_for_function(f"() => StudioPlayer.current().id === {queued[2]}", timeout=15_000)
    wait_playing_past(page, 0.2)
    third = audio_state(page)
    assert page.evaluate("navigator.mediaSession.metadata.title") == third["title"]

    # The bar's title is a link to the take's song page; it plays on there too.
    song_url = page.evaluate("StudioPlayer.current().song")
    bar.locator("#player-title").click()
    expect(page).to_have_url(re.compile(re.escape(song_url) + "$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page).to_have_title(re.compile(r" · Studio$"))
    wait_playing_past(page, third["time"] + 0.2)
    assert_kept_playing(page, third["src"])

    # Back three times: the library again, from htmx's history, with the player still going.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/compose/$"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"/queue/$"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Library", level=1)).to_be_visible()
    expect(page).to_have_title("Library · Studio")
    wait_playing_past(page, third["time"] + 0.2)
    assert_kept_playing(page, third["src"])
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/queue/$"))
    expect(page.get_by_role("heading", name="Queue", level=1)).to_be_visible()
    assert not audio_state(page)["paused"]

    # Pause, reload: the queue and the take come back, paused where they were.
    bar.get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_function("() => document.getElementById('player-audio').paused")
    paused_at = audio_state(page)["time"]
    page.reload()
    assert page.evaluate("window.__samePage === undefined")
    page.wait_for_function("() => window.StudioPlayer && StudioPlayer.current() !== null")
    assert page.evaluate("StudioPlayer.queue().map(t => t.id)") == queued
    restored = audio_state(page)
    assert restored["id"] == third["id"] and restored["paused"]
    expect(bar.get_by_role("button", name="Play", exact=True)).to_be_visible()
    page.wait_for_function(
        "t => Math.abs(document.getElementById('player-audio').currentTime - t) < 0.5",
        arg=paused_at,
    )
    expect(bar.get_by_label("Seek")).to_have_value(str(round(paused_at)))
    assert page.evaluate("navigator.mediaSession.metadata.title") == third["title"]
    bar.get_by_role("button", name="Play", exact=True).click()
    wait_playing_past(page, paused_at + 0.2)

    assert not errors, errors


def test_one_thing_plays_at_a_time(page: Page, studio, owner, three_songs):
    log_in(page, studio.url)
    page.locator('[data-player="play"]').first.click()
    wait_playing_past(page, 0.2)
    # Any other media element that starts pauses the player, and the player pauses it back.
    src = page.evaluate("StudioPlayer.current().src")
    page.evaluate(
        """src => {
            const other = document.createElement('audio');
            other.id = 'other';
            other.src = src;
            document.getElementById('main').append(other);
            other.play();
        }""",
        src,
    )
    page.wait_for_function("() => document.getElementById('player-audio').paused")
    page.get_by_role("region", name="Player").get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => document.getElementById('other').paused")
    wait_playing_past(page, 0.1)


def test_the_queue_panel_reorders_by_drag_keys_and_buttons_removes_and_clears(
    page: Page, studio, owner, three_songs
):
    log_in(page, studio.url)
    tracks = tracks_on_page(page)[:4]
    page.evaluate("tracks => tracks.forEach(t => StudioPlayer.enqueue(t))", tracks)
    ids = [t["id"] for t in tracks]
    bar = page.get_by_role("region", name="Player")
    bar.get_by_role("button", name="Queue").click()
    panel = bar.get_by_role("region", name="Play queue")
    expect(panel).to_be_visible()
    entries = panel.locator("li")
    expect(entries).to_have_count(4)

    def order() -> list[int]:
        return page.evaluate("StudioPlayer.queue().map(t => t.id)")

    # Buttons, and the focus stays on the moved take.
    entries.nth(1).get_by_role("button", name="Move down").click()
    assert order() == [ids[0], ids[2], ids[1], ids[3]]
    assert page.evaluate("document.activeElement.closest('li').dataset.id") == str(ids[1])
    # Alt+↑ on the focused take moves it back up.
    page.keyboard.press("Alt+ArrowUp")
    assert order() == ids
    assert page.evaluate("document.activeElement.closest('li').dataset.id") == str(ids[1])
    # Drag the last take to the top.
    entries.nth(3).locator(".pb-grip").drag_to(entries.nth(0), target_position={"x": 5, "y": 2})
    assert order() == [ids[3], ids[0], ids[1], ids[2]]
    # The current take stays current whatever moves around it.
    assert page.evaluate("StudioPlayer.current().id") == ids[0]
    expect(entries.nth(1)).to_have_attribute("aria-current", "true")

    # Remove one, then Clear leaves only the current take.
    entries.nth(0).get_by_role("button", name="Remove").click()
    assert order() == [ids[0], ids[1], ids[2]]
    panel.get_by_role("button", name="Clear").click()
    assert order() == [ids[0]]
    expect(entries).to_have_count(1)
    # Escape closes the panel and gives the focus back to its button.
    entries.first.get_by_role("button", name="Remove").focus()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(bar.get_by_role("button", name="Queue")).to_be_focused()
    # Kept for the next visit too.
    stored = page.evaluate(f"JSON.parse(localStorage.getItem('studio.player.{owner.pk}'))")
    assert [t["id"] for t in stored["queue"]] == [ids[0]]


def test_keyboard_shortcuts(page: Page, studio, owner, three_songs):
    log_in(page, studio.url)
    tracks = tracks_on_page(page)[:2]
    page.evaluate("tracks => tracks.forEach(t => StudioPlayer.enqueue(t))", tracks)
    page.locator("body").click(position={"x": 5, "y": 300})  # nothing focused

    page.keyboard.press("Space")
    wait_playing_past(page, 0.5)
    page.keyboard.press("ArrowLeft")
    assert audio_state(page)["time"] < 0.5
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.getElementById('player-audio').currentTime >= 4.9")
    page.keyboard.press("k")
    page.wait_for_function(f"() => StudioPlayer.current().id === {tracks[1]['id']}")
    page.keyboard.press("j")
    page.wait_for_function(f"() => StudioPlayer.current().id === {tracks[0]['id']}")
    page.keyboard.press("Space")
    page.wait_for_function("() => document.getElementById('player-audio').paused")

    # Never while typing, nor on a focused button (Space presses it).
    search = page.get_by_role("searchbox")
    search.press("Space")
    search.press("k")
    assert audio_state(page)["paused"] and audio_state(page)["id"] == tracks[0]["id"]
    assert search.input_value() == " k"
    page.get_by_role("region", name="Player").get_by_role("button", name="Queue").focus()
    page.keyboard.press("Space")  # opens the queue, does not play
    assert audio_state(page)["paused"]
    expect(page.get_by_role("region", name="Play queue")).to_be_visible()

    # N asks for the next take (takes.js answers it on a song page).
    page.evaluate(
        "document.addEventListener('studio:nexttake', () => { window.__nextTake = true; })"
    )
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("n")
    assert page.evaluate("window.__nextTake === true")

    # ? lists the shortcuts in a dialog.
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_media_keys_and_the_lock_screen_drive_the_player(page: Page, studio, owner, three_songs):
    """The MediaSession actions the system sends (media keys, lock screen, headset buttons)."""
    page.add_init_script(
        """(() => {
            window.__media = {};
            const session = navigator.mediaSession;
            const original = session.setActionHandler.bind(session);
            session.setActionHandler = (action, handler) => {
                window.__media[action] = handler;
                original(action, handler);
            };
        })()"""
    )
    log_in(page, studio.url)
    handlers = page.evaluate("Object.keys(window.__media)")
    for action in ("play", "pause", "previoustrack", "nexttrack", "seekto"):
        assert action in handlers, handlers
    tracks = tracks_on_page(page)[:2]
    page.evaluate("tracks => tracks.forEach(t => StudioPlayer.enqueue(t))", tracks)

    def send(action: str, **details) -> None:
        page.evaluate("([a, d]) => window.__media[a]({action: a, ...d})", [action, details])

    send("play")
    wait_playing_past(page, 0.3)
    assert page.evaluate("navigator.mediaSession.playbackState") == "playing"
    send("nexttrack")
    page.wait_for_function(f"() => StudioPlayer.current().id === {tracks[1]['id']}")
    assert page.evaluate("navigator.mediaSession.metadata.title") == tracks[1]["title"]
    send("seekto", seekTime=3.0)
    page.wait_for_function("() => document.getElementById('player-audio').currentTime >= 3")
    send("previoustrack")  # past the first seconds: back to the start of this take
    page.wait_for_function("() => document.getElementById('player-audio').currentTime < 1")
    send("pause")
    page.wait_for_function("() => document.getElementById('player-audio').paused")
    assert page.evaluate("navigator.mediaSession.playbackState") == "paused"


def test_loudness_matching_applies_the_track_gain(page: Page, studio, owner, three_songs):
    log_in(page, studio.url)
    track = tracks_on_page(page)[0] | {"gain": -6.0}
    bar = page.get_by_role("region", name="Player")
    normalise = bar.get_by_label("Normalise loudness")
    expect(normalise).to_be_checked()
    page.evaluate("t => StudioPlayer.enqueue(t)", track)
    bar.get_by_role("button", name="Play", exact=True).click()
    wait_playing_past(page, 0.1)
    assert page.evaluate("StudioPlayer.normalise") is True
    assert abs(page.evaluate("StudioPlayer.appliedGainDb()") - -6.0) < 0.01
    # Off: the take plays as it was made.
    normalise.uncheck()
    assert page.evaluate("StudioPlayer.normalise") is False
    assert abs(page.evaluate("StudioPlayer.appliedGainDb()")) < 0.01
    stored = page.evaluate(f"JSON.parse(localStorage.getItem('studio.player.{owner.pk}'))")
    assert stored["normalise"] is False


def test_downloads_forms_and_logout_still_work_under_boosted_navigation(
    page: Page, studio, owner, three_songs
):
    log_in(page, studio.url)
    track = tracks_on_page(page)[0]
    page.evaluate("window.__samePage = true")
    # A download link saves the file instead of being fetched by htmx.
    row = open_more(page, 0)
    with page.expect_download() as info:
        row.get_by_role("link", name="Download all (.zip)").click()
    assert info.value.suggested_filename.endswith(".zip")
    # A plain form posts, redirects and shows its message inside the swapped page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    page.get_by_role("button", name="Create invitation link").click()
    expect(page.locator("#main .messages")).to_be_visible()
    assert page.evaluate("window.__samePage === true")
    # Logging out is a full page load, and forgets the queue kept in this browser.
    page.evaluate("t => StudioPlayer.enqueue(t)", track)
    assert page.evaluate(f"localStorage.getItem('studio.player.{owner.pk}')")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert page.evaluate("window.__samePage === undefined")
    assert (
        page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('studio.player.'))") == []
    )


def test_the_bar_never_covers_the_page_on_a_phone(page: Page, studio, owner, three_songs):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, studio.url)
    page.locator('[data-player="play"]').first.click()
    wait_playing_past(page, 0.1)
    for path in ("/", "/compose/", "/queue/", "/team/", "/settings/"):
        page.get_by_role("navigation", name="Main").locator(f'a[href="{path}"]').click()
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, f"{path} scrolls sideways ({width}px)"
        # Scrolled to the very end, the last of the page shows above the bar.
        page.wait_for_function(
            """() => {
                window.scrollTo(0, document.documentElement.scrollHeight);
                const barTop = document.getElementById('player').getBoundingClientRect().top;
                let bottom = 0;
                document.getElementById('main').querySelectorAll('*').forEach(el => {
                    const r = el.getBoundingClientRect();
                    const flows = !['fixed', 'absolute'].includes(getComputedStyle(el).position);
                    if (r.height && flows && el.checkVisibility()) {
                        bottom = Math.max(bottom, r.bottom);
                    }
                });
                return bottom > 0 && bottom <= barTop + 1;
            }""",
            timeout=5_000,
        )
    assert not audio_state(page)["paused"]


def test_compose_keeps_its_counters_and_draft_across_swapped_pages(page: Page, studio, owner):
    log_in(page, studio.url)
    page.evaluate("window.__samePage = true")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Compose", exact=True).click()
    prompt = page.get_by_label("Prompt", exact=True)
    prompt.fill("warm lo-fi beat")
    expect(page.locator("#prompt-counter")).to_contain_text("15 / ")
    page.get_by_role("button", name="[Chorus]").click()
    expect(page.get_by_label("Lyrics", exact=True)).to_have_value(re.compile(r"\[Chorus\]"))
    # Leave at once: the draft still waiting to be saved is kept.
    nav.get_by_role("link", name="Library", exact=True).click()
    expect(page.get_by_role("heading", name="Library", level=1)).to_be_visible()
    nav.get_by_role("link", name="Compose", exact=True).click()
    expect(prompt).to_have_value("warm lo-fi beat")
    expect(page.locator("#draft-note")).to_be_visible()
    assert page.evaluate("window.__samePage === true")


def test_a_session_that_ran_out_shows_the_login_page_in_full(
    page: Page, studio, owner, three_songs
):
    log_in(page, studio.url)
    page.evaluate("window.__samePage = true")
    page.context.clear_cookies()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/"))
    assert page.evaluate("window.__samePage === undefined")
    expect(page.get_by_role("region", name="Player")).to_have_count(0)
