"""Share links in Chromium (issue 15): a member shares a song from its page; a browser with no
session opens the link on a phone, plays a take; after Revoke the same address is 404."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import log_in
from tests.test_library import make_song

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_shared_song_plays_without_a_login_until_revoked(
    page: Page, browser: Browser, studio, team, owner
):
    generation = make_song(team, owner)  # real, tiny media: a one-second m4a per take
    log_in(page, studio.url)
    page.goto(f"{studio.url}/songs/{generation.pk}/")
    section = page.locator("#share")
    section.get_by_label("Expires after").select_option(label="1 day")
    section.get_by_label("Allow downloads").check()
    section.get_by_role("button", name="Create share link").click()
    expect(section.get_by_role("status")).to_contain_text("Share link created")
    url = section.get_by_role("textbox", name="Share link").input_value()
    assert url.startswith(f"{studio.url}/s/") and url.endswith("/")

    guest = browser.new_context(viewport=PHONE)  # no cookies: nobody is signed in
    try:
        visitor = guest.new_page()
        errors: list[str] = []
        visitor.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        visitor.on("pageerror", lambda exc: errors.append(str(exc)))
        response = visitor.goto(url)
        assert response is not None and response.status == 200
        assert response.headers["x-robots-tag"] == "noindex, nofollow"
        expect(visitor.get_by_role("heading", level=1)).to_be_visible()
        expect(visitor.get_by_role("button", name="Log out")).to_have_count(0)
        expect(visitor.get_by_role("link", name="Download MP3")).to_have_count(2)
        # Fits a phone: nothing wider than the screen.
        assert visitor.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )

        take = visitor.locator("[data-share-take] audio").first
        take.evaluate("audio => audio.play()")
        visitor.wait_for_function(
            "() => document.querySelector('[data-share-take] audio').currentTime > 0.5",
            timeout=15_000,
        )
        assert not errors, errors  # nothing refused by the CSP, no script error

        section.get_by_role("button", name="Revoke").click()
        expect(section.get_by_text("No active share links.")).to_be_visible()
        assert visitor.goto(url).status == 404
        assert guest.request.get(url + "A/m4a").status == 404
    finally:
        guest.close()
