"""The compose draft kept in the browser belongs to one user: the next person to sign in on the
same browser never sees it, whether the last one logged out or their session ran out."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Library")).to_be_visible()


def write_draft(page: Page, base: str, prompt: str, lyrics: str) -> None:
    """Type a draft, wait until compose.js kept it, then type once more (a save still pending)."""
    page.goto(f"{base}/compose/")
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_label("Lyrics", exact=True).fill(lyrics)
    page.wait_for_function(
        "text => Object.values(localStorage).some(value => value.includes(text))", arg=prompt
    )
    page.get_by_label("Prompt", exact=True).press_sequentially(" again")


def drafts(page: Page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).filter(k => k.includes('draft'))")


def expect_empty_compose(page: Page, base: str) -> None:
    page.goto(f"{base}/compose/")
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("")
    expect(page.get_by_label("Lyrics", exact=True)).to_have_value("")
    expect(page.locator("#draft-note")).to_be_hidden()


def test_the_next_user_on_this_browser_sees_an_empty_compose_form(
    page: Page, studio, owner, teammate
):
    log_in(page, studio.url, "olivia")
    write_draft(page, studio.url, "olivia's secret prompt", "olivia's private lyrics")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert drafts(page) == []

    log_in(page, studio.url, "tom")
    expect_empty_compose(page, studio.url)
    write_draft(page, studio.url, "tom's prompt", "tom's lyrics")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()

    log_in(page, studio.url, "olivia")
    expect_empty_compose(page, studio.url)


def test_logout_js_clears_drafts_where_clear_site_data_is_not_honoured(page: Page, studio, owner):
    """Over plain HTTP (a LAN address) browsers ignore Clear-Site-Data: the script must do it."""

    def without_clear_site_data(route: Route) -> None:
        response = route.fetch(max_redirects=0)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "clear-site-data"}
        route.fulfill(response=response, headers=headers)

    page.route("**/logout/", without_clear_site_data)
    log_in(page, studio.url, "olivia")
    write_draft(page, studio.url, "olivia's secret prompt", "olivia's private lyrics")
    assert drafts(page)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert drafts(page) == []


def test_a_session_that_ran_out_leaves_no_draft_for_the_next_user(
    page: Page, context: BrowserContext, studio, owner, teammate
):
    log_in(page, studio.url, "olivia")
    write_draft(page, studio.url, "olivia's secret prompt", "olivia's private lyrics")
    page.wait_for_timeout(500)  # the last keystrokes are saved too
    context.clear_cookies()  # no logout: the session is simply gone

    log_in(page, studio.url, "tom")
    expect_empty_compose(page, studio.url)
    assert all(
        "secret" not in (page.evaluate(f"localStorage[{key!r}]") or "") for key in drafts(page)
    )
