"""Playwright in Debian's Chromium, against the live app and the simulator over HTTP."""

from __future__ import annotations

import os
import shutil

import pytest
from playwright.sync_api import expect

from studio.songs.models import Generation
from tests.conftest import PASSWORD
from tests.pipeline import drive, settled, song

# live_server + the ORM in the same test as Playwright's sync API (which runs an event loop).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def pytest_collection_modifyitems(items):
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (CI installs Debian's chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def studio(live_server, simulator, sync_tasks, settings, tmp_path):
    """The app at live_server.url: tasks run inline, webhooks come back from the simulator."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    return live_server


# Shared by the player and accessibility tests.

LYRICS = """[Verse]
Headlights on the empty road
[Chorus]
Drive until the morning glows"""


def log_in(page, base: str, username: str = "olivia") -> None:
    """Sign in through the real login page (a full page load, as in the browser)."""
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Library")).to_be_visible()
    page.wait_for_load_state("load")  # the deferred scripts (the player) have run


def finished_songs(team, author, prompts: list[str]):
    """Songs made by the simulator through the real pipeline, oldest first, all completed."""
    made = [song(team, author, prompt=prompt, lyrics=LYRICS) for prompt in prompts]
    drive(settled)
    done = list(Generation.objects.filter(pk__in=[g.pk for g in made]).order_by("pk"))
    assert all(g.status == Generation.Status.COMPLETED for g in done), [g.status for g in done]
    return done


@pytest.fixture
def three_songs(studio, team, owner):
    return finished_songs(
        team, owner, ["night drive synthwave", "sunny acoustic folk", "slow piano ballad"]
    )
