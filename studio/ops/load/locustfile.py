"""Team members browsing, searching, opening songs and streaming takes (DESIGN §7, `make load`).

`manage.py loadtest` seeds an instance and runs this file in locust's own process (locust's
gevent monkey-patching must stay out of Django), passing comma-separated values:

    STUDIO_LOAD_USERS     usernames, spread over the simulated users
    STUDIO_LOAD_PASSWORD  their password
    STUDIO_LOAD_WORDS     words of the seeded prompts, to search for

Each user logs in through the login form before the timed run, then follows what the pages
link to, as a person would, never building URLs: the pagination link marked rel="next",
song links (/songs/<id>/), and each take's Play button (data-player="play") whose data-track
JSON names the audio "src".
"""

from __future__ import annotations

import html
import json
import os
import random
import re
from urllib.parse import urljoin, urlsplit

import requests
from gevent.pool import Pool
from locust import HttpUser, SequentialTaskSet, between, events
from locust.env import Environment

USERNAMES = os.environ["STUDIO_LOAD_USERS"].split(",")
PASSWORD = os.environ["STUDIO_LOAD_PASSWORD"]
WORDS = os.environ["STUDIO_LOAD_WORDS"].split(",")
LOGIN = "/login/"
SONG_PATH = re.compile(r"/songs/\d+/")
# What a player asks for first; the seeded m4a files are larger, so a full 64 KiB comes back.
RANGE, RANGE_BYTES = "bytes=0-65535", 65536
# Enough to pick from, without growing for the whole run.
REMEMBERED = 50
# Logins at once before the run: the server's threads, roughly.
LOGINS_AT_ONCE = 8

# One logged-in session per simulated user, made before the timed run (log_in_everyone).
_sessions: list[requests.cookies.RequestsCookieJar] = []


# Our own pages' start tags, and their attributes: every value is double-quoted and escaped,
# so neither a quote nor ">" appears inside one. (A regular expression rather than an HTML
# parser: locust shares the two cores with the server it measures, and a parser written in
# Python took several times the CPU.)
START_TAG = re.compile(r"<(?:a|button)\s([^>]*)>")
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')


class Page:
    """The links of a page that a person could follow next."""

    def __init__(self, text: str) -> None:
        self.next: str | None = None
        self.songs: list[str] = []
        self.audio: list[str] = []
        for tag in START_TAG.finditer(text):
            found = {name: html.unescape(value) for name, value in ATTRIBUTE.findall(tag[1])}
            href = found.get("href", "")
            if "next" in found.get("rel", "").split():
                self.next = href
            elif SONG_PATH.fullmatch(href):
                self.songs.append(href)
            if found.get("data-player") == "play" and (track := found.get("data-track")):
                self.audio.append(json.loads(track)["src"])


def log_in(host: str, username: str) -> requests.cookies.RequestsCookieJar:
    """Through the login form, as a browser does: its CSRF cookie, then the POST."""
    session = requests.Session()
    session.get(host + LOGIN, timeout=60).raise_for_status()
    token = session.cookies.get("csrftoken") or ""
    response = session.post(
        host + LOGIN,
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"X-CSRFToken": token},
        timeout=60,
    )
    # A refused login shows the form again; a good one lands on the library.
    if not response.ok or urlsplit(response.url).path == LOGIN:
        raise RuntimeError(f"{username} could not log in ({response.status_code})")
    return session.cookies


@events.init.add_listener
def log_in_everyone(environment: Environment, **kwargs) -> None:
    """A team whose members are logged in when the timed run starts (init runs before it).
    Logging in hashes the password (~0.5 s of CPU): 50 users doing it in their first seconds
    would measure a login storm, not browsing."""
    options, host = environment.parsed_options, environment.host
    if options is None or not host:
        return
    names = [USERNAMES[number % len(USERNAMES)] for number in range(options.num_users)]
    _sessions.extend(Pool(LOGINS_AT_ONCE).map(lambda name: log_in(host, name), names))


class Visit(SequentialTaskSet):
    """One member's session: browse, search, open songs and play them, in a loop."""

    def on_start(self) -> None:
        self.client.cookies.update(_sessions.pop())
        self.next_page = "/"
        self.songs: list[str] = []
        self.audio: list[str] = []

    def read(self, url: str, name: str) -> Page:
        with self.client.get(url, name=name, catch_response=True) as response:
            # Without a session every page redirects to the login form, with a 200.
            if urlsplit(response.url or "").path == LOGIN:
                response.failure("sent to the login form")
            page = Page(response.text if response.ok else "")
        self.songs = (page.songs + self.songs)[:REMEMBERED]
        return page

    def browse(self) -> None:
        page = self.read(self.next_page, "library page")
        # Past the last page, start again from the newest songs.
        self.next_page = urljoin(self.next_page, page.next) if page.next else "/"

    def search(self) -> None:
        self.read(f"/?q={random.choice(WORDS)}", "search")

    def song(self) -> None:
        if self.songs:
            page = self.read(random.choice(self.songs), "song page")
            self.audio = (page.audio + self.audio)[:REMEMBERED]

    def stream(self) -> None:
        if not self.audio:
            return
        with self.client.get(
            random.choice(self.audio),
            headers={"Range": RANGE},
            name="audio range",
            catch_response=True,
        ) as response:
            if response.status_code != 206 or len(response.content) != RANGE_BYTES:
                response.failure(f"{response.status_code}, {len(response.content)} bytes")

    # The weights, as a round: 4 library pages, 2 searches, 3 songs opened and each played.
    # Every kind comes in the first four steps, so even a short run measures them all.
    tasks = [
        browse, song, stream, search,
        browse, song, stream, browse, search, song, stream, browse,
    ]  # fmt: skip


class Member(HttpUser):
    tasks = [Visit]
    # A person looks at a page before the next click: without a pause this would be a flood,
    # not 50 users.
    wait_time = between(1, 3)
