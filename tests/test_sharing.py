"""Share links (issue 15): a member shares a song; anyone with the link listens without signing
in, to that song alone, until the link expires or is revoked (DESIGN §5.4, §5.5)."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from mutagen.id3 import ID3

from studio.ops.logmask import MaskTokens
from studio.songs.models import Activity, Generation
from studio.together import shares
from studio.together.models import ShareLink
from tests.test_library import (  # noqa: F401  (_media: autouse fixture)
    _media,
    jpeg_bytes,
    m4a_bytes,
    make_cover,
    make_song,
    wav_bytes,
)
from tests.test_library_downloads import body

pytestmark = pytest.mark.django_db

FILES = ("cover", "A/m4a", "B/m4a", "A/wav", "A/mp3", "A/lrc")


@pytest.fixture
def generation(team, owner):
    return make_song(team, owner)


@pytest.fixture
def anonymous():
    """A browser with no session, beside the signed-in `client`."""
    return Client()


def share(generation, user, *, expiry="7d", allow_download=False) -> ShareLink:
    return shares.create_link(generation, user, expiry=expiry, allow_download=allow_download)


def urls(link: ShareLink) -> list[str]:
    return [f"/s/{link.token}/"] + [f"/s/{link.token}/{file}" for file in FILES]


# Managing links on the song page


def test_a_member_creates_a_share_link_from_the_song_page(owner_client, generation, owner):
    response = owner_client.post(
        f"/songs/{generation.pk}/share", {"expiry": "7d", "allow_download": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/songs/{generation.pk}/#share"
    link = ShareLink.objects.get()
    assert (link.generation, link.team, link.created_by) == (generation, generation.team, owner)
    assert link.allow_download and link.revoked is None and link.views == 0
    assert abs(link.expires - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    assert len(link.token) >= 40  # token_urlsafe(32)
    entry = Activity.objects.get(verb=Activity.Verb.SHARED)
    assert (entry.actor, entry.generation, entry.subject) == (owner, generation, "Morning Sun")

    page = owner_client.get(f"/songs/{generation.pk}/").content.decode()
    section = page[page.index('id="share"') :]
    assert "Create share link" in section and "Allow downloads" in section
    assert f'value="http://testserver/s/{link.token}/"' in section
    assert f'data-copy="share-link-{link.pk}"' in section and ">Copy<" in section
    assert "Created by olivia" in section and "Downloads allowed" in section
    assert "0 views" in section and ">Revoke<" in section


@pytest.mark.parametrize(("expiry", "days"), [("1d", 1), ("30d", 30), ("never", None)])
def test_each_expiry_choice(teammate_client, generation, expiry, days):
    teammate_client.post(f"/songs/{generation.pk}/share", {"expiry": expiry})
    link = ShareLink.objects.get()
    assert not link.allow_download  # off unless ticked
    if days is None:
        assert link.expires is None
    else:
        assert abs(link.expires - (timezone.now() + timedelta(days=days))) < timedelta(minutes=1)


def test_a_bad_expiry_creates_nothing(owner_client, generation):
    response = owner_client.post(f"/songs/{generation.pk}/share", {"expiry": "forever"})
    assert response.status_code == 302 and not ShareLink.objects.exists()


def test_htmx_swaps_the_share_section_in_place(owner_client, generation):
    response = owner_client.post(
        f"/songs/{generation.pk}/share", {"expiry": "1d"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    names = [t.name for t in response.templates]
    assert names[0] == "sharing/section.html" and "library/song.html" not in names
    link = ShareLink.objects.get()
    html = response.content.decode()
    assert html.lstrip().startswith("<section") and 'id="share"' in html
    assert f"/s/{link.token}/" in html and "Share link created" in html
    revoked = owner_client.post(f"/share-links/{link.pk}/revoke", headers={"HX-Request": "true"})
    assert revoked.status_code == 200 and link.token not in revoked.content.decode()
    assert "No active share links." in revoked.content.decode()


def test_revoke_ends_the_link_at_once(owner_client, anonymous, generation, teammate):
    link = share(generation, teammate, allow_download=True)
    assert all(anonymous.get(url).status_code == 200 for url in urls(link))
    response = owner_client.post(f"/share-links/{link.pk}/revoke")
    assert response["Location"] == f"/songs/{generation.pk}/#share"
    link.refresh_from_db()
    assert link.revoked is not None
    for url in urls(link):
        assert anonymous.get(url).status_code == 404, url
    assert Activity.objects.filter(verb=Activity.Verb.UNSHARED, generation=generation).count() == 1
    # Revoked links leave the list; a second click changes nothing.
    assert link.token not in owner_client.get(f"/songs/{generation.pk}/").content.decode()
    owner_client.post(f"/share-links/{link.pk}/revoke")
    assert Activity.objects.filter(verb=Activity.Verb.UNSHARED).count() == 1


def test_an_expired_link_is_404_everywhere_and_leaves_the_list(
    owner_client, anonymous, generation, owner
):
    link = share(generation, owner, expiry="1d", allow_download=True)
    ShareLink.objects.filter(pk=link.pk).update(expires=timezone.now() - timedelta(seconds=1))
    for url in urls(link):
        assert anonymous.get(url).status_code == 404, url
    assert link.token not in owner_client.get(f"/songs/{generation.pk}/").content.decode()


def test_unknown_tokens_and_unfinished_songs_are_404(anonymous, team, owner):
    for token in ("nope", "x" * 65, "%20"):
        assert anonymous.get(f"/s/{token}/").status_code == 404
    for status in (Generation.Status.RUNNING, Generation.Status.FAILED):
        link = ShareLink.objects.create(
            team=team, generation=make_song(team, owner, status=status), created_by=owner
        )
        for url in urls(link):
            assert anonymous.get(url).status_code == 404, url


def test_only_the_songs_team_creates_lists_or_revokes_its_links(
    owner_client, generation, owner, other_team, outsider
):
    theirs = make_song(other_team, outsider, prompt="their song", media=False)
    their_link = share(theirs, outsider)
    assert owner_client.post(f"/songs/{theirs.pk}/share", {"expiry": "7d"}).status_code == 404
    assert owner_client.post(f"/share-links/{their_link.pk}/revoke").status_code == 404
    their_link.refresh_from_db()
    assert their_link.revoked is None and ShareLink.objects.count() == 1
    mine = share(generation, owner)
    page = owner_client.get(f"/songs/{generation.pk}/").content.decode()
    assert mine.token in page and their_link.token not in page


def test_managing_links_needs_a_login_and_a_post(anonymous, owner_client, generation, owner):
    link = share(generation, owner)
    for url in (f"/songs/{generation.pk}/share", f"/share-links/{link.pk}/revoke"):
        response = anonymous.post(url, {"expiry": "7d"})
        assert response.status_code == 302 and "login" in response["Location"]
        assert owner_client.get(url).status_code == 405
    assert ShareLink.objects.count() == 1 and ShareLink.objects.get().revoked is None


def test_the_share_section_costs_one_query_however_many_links(owner_client, generation, owner):
    def queries() -> tuple[int, int]:
        """All the page's queries, and those reading share links."""
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(f"/songs/{generation.pk}/").status_code == 200
        sql = [query["sql"] for query in captured.captured_queries]
        return len(sql), sum(ShareLink._meta.db_table in query for query in sql)

    share(generation, owner)
    queries()  # the takes' players are rendered once, then cached
    one = queries()
    assert one[1] == 1
    for _ in range(3):
        share(generation, owner, expiry="never")
    assert queries() == one
    assert len(owner_client.get(f"/songs/{generation.pk}/").context["share_links"]) == 4


# The public page


class Markup(HTMLParser):
    """Every tag's attributes, to check what the page links to and names."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def test_the_public_page_shows_the_song_without_login(anonymous, generation, owner):
    link = share(generation, owner)
    response = anonymous.get(f"/s/{link.token}/")
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "private, no-store"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert '<meta name="robots" content="noindex">' in html
    assert "<h1" in html and "Morning Sun" in html and "Golden Sky" in html
    assert html.count('<audio controls preload="none"') == 2
    assert f'src="/s/{link.token}/A/m4a"' in html and f'src="/s/{link.token}/cover"' in html
    assert "We run like a river" in html  # the lyrics
    assert "Download" not in html  # not allowed
    assert not response.cookies  # no session, no CSRF cookie


def test_the_public_page_exposes_nothing_but_the_song(anonymous, team, owner, teammate):
    cover = make_cover(team, owner)
    generation = make_song(team, owner, cover=cover)
    other = make_song(team, teammate, prompt="secret other song", titles=("Hidden Track",))
    link = share(generation, teammate, allow_download=True)
    html = anonymous.get(f"/s/{link.token}/").content.decode()
    for private in (
        team.name,  # "Band"
        owner.username,
        teammate.username,
        "alice@example.com",  # the account
        "@",
        generation.prompt,
        "Hidden Track",
        other.prompt,
        "csrf",
        "<form",
        "hx-",
        "/js/player.js",  # the app's player bar
    ):
        assert private not in html, private
    own_file = re.compile(rf"^/s/{re.escape(link.token)}/(cover|[AB]/(m4a|wav|mp3|lrc))?$")
    markup = Markup()
    markup.feed(html)
    for tag, attrs in markup.tags:
        for name in ("href", "src", "action"):
            if name in attrs:
                # Only this link's own files, named by slot, and our static assets: no way into
                # the app, and no database id.
                url = attrs[name]
                assert own_file.match(url) or url.startswith("/static/"), (tag, attrs)
        assert not any(name.startswith("data-clip") or name == "data-track" for name in attrs)
        assert not re.search(r"\d", attrs.get("id", "")), attrs


def test_each_page_load_counts_one_view_and_files_do_not(anonymous, generation, owner):
    link = share(generation, owner)
    anonymous.get(f"/s/{link.token}/")
    anonymous.get(f"/s/{link.token}/")
    anonymous.get(f"/s/{link.token}/A/m4a", headers={"Range": "bytes=0-99"})
    anonymous.get(f"/s/{link.token}/cover")
    link.refresh_from_db()
    assert link.views == 2


def test_the_public_page_is_read_only(anonymous, generation, owner):
    link = share(generation, owner)
    assert anonymous.post(f"/s/{link.token}/").status_code == 405
    assert anonymous.post(f"/s/{link.token}/A/m4a").status_code == 405


# Media under a share link


def test_the_players_file_streams_with_ranges(anonymous, generation, owner):
    link = share(generation, owner)
    data = m4a_bytes()
    whole = anonymous.get(f"/s/{link.token}/A/m4a")
    assert whole.status_code == 200 and body(whole) == data
    assert whole["Content-Type"] == "audio/mp4" and whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Disposition"].startswith("inline")
    assert whole["X-Robots-Tag"] == "noindex, nofollow"
    assert whole["Cache-Control"] == "private, no-cache"  # revalidated: a revoke is felt at once
    part = anonymous.get(f"/s/{link.token}/A/m4a", headers={"Range": "bytes=100-299"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-299/{len(data)}"
    assert body(part) == data[100:300] and part["X-Robots-Tag"] == "noindex, nofollow"
    again = anonymous.get(f"/s/{link.token}/A/m4a", headers={"If-None-Match": whole["ETag"]})
    assert again.status_code == 304


def test_downloads_are_404_unless_the_link_allows_them(anonymous, generation, owner):
    link = share(generation, owner, allow_download=False)
    for kind in ("wav", "mp3", "lrc"):
        assert anonymous.get(f"/s/{link.token}/A/{kind}").status_code == 404, kind
    for unknown in ("A/flac", "A/image", "Z/m4a", "A/zip"):
        assert anonymous.get(f"/s/{link.token}/{unknown}").status_code == 404, unknown


def test_allowed_downloads_carry_the_song_alone(anonymous, generation, owner):
    link = share(generation, owner, allow_download=True)
    html = anonymous.get(f"/s/{link.token}/").content.decode()
    for label in ("Download WAV", "Download MP3", "Download lyrics (.lrc)"):
        assert html.count(label) == 2, label
    assert f'href="/s/{link.token}/B/mp3"' in html

    wav = anonymous.get(f"/s/{link.token}/A/wav")
    assert wav.status_code == 200 and body(wav) == wav_bytes()
    assert wav["Content-Disposition"] == 'attachment; filename="Morning Sun (A).wav"'
    ranged = anonymous.get(f"/s/{link.token}/A/wav", headers={"Range": "bytes=0-43"})
    assert ranged.status_code == 206 and body(ranged) == wav_bytes()[:44]

    mp3 = anonymous.get(f"/s/{link.token}/B/mp3")
    assert mp3.status_code == 200 and mp3["Content-Type"] == "audio/mpeg"
    assert mp3["Content-Disposition"] == 'attachment; filename="Golden Sky (B).mp3"'
    data = body(mp3)
    tags = ID3(io.BytesIO(data))
    assert str(tags["TIT2"]) == "Golden Sky"
    assert "TPE1" not in tags and not str(tags.get("TALB", ""))  # no author, no team
    assert b"olivia" not in data and b"Band" not in data and generation.prompt.encode() not in data
    assert (
        anonymous.get(f"/s/{link.token}/B/mp3", headers={"Range": "bytes=0-9"}).status_code == 206
    )

    lrc = anonymous.get(f"/s/{link.token}/A/lrc")
    assert lrc.status_code == 200
    assert lrc.content.decode().splitlines()[:2] == [
        "[ti:Morning Sun]",
        "[00:01.50]Morning sun on the water",
    ]


def test_an_instrumental_offers_no_lyrics_file(anonymous, team, owner):
    link = share(make_song(team, owner, instrumental=True), owner, allow_download=True)
    assert "Download lyrics" not in anonymous.get(f"/s/{link.token}/").content.decode()
    assert anonymous.get(f"/s/{link.token}/A/lrc").status_code == 404


def test_the_cover_is_the_songs_cover_art_else_a_takes_artwork(anonymous, team, owner):
    with_art = share(make_song(team, owner, cover=make_cover(team, owner)), owner)
    response = anonymous.get(f"/s/{with_art.token}/cover")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert body(response) == jpeg_bytes("navy") and response["X-Robots-Tag"]
    without = share(make_song(team, owner), owner)
    assert body(anonymous.get(f"/s/{without.token}/cover")) == jpeg_bytes()
    bare = share(make_song(team, owner, media=False), owner)
    assert anonymous.get(f"/s/{bare.token}/cover").status_code == 404
    assert 'class="shared-cover"' not in anonymous.get(f"/s/{bare.token}/").content.decode()


# Tokens stay secret


@pytest.fixture
def log_lines():
    """What our masked log handler (settings.LOGGING "console") writes, while a test runs."""
    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, MaskTokens) for f in h.filters)
    )
    out = io.StringIO()
    previous = handler.setStream(out)
    try:
        yield out
    finally:
        handler.setStream(previous)


def test_share_tokens_never_reach_a_log_line(anonymous, generation, owner, log_lines, caplog):
    link = share(generation, owner)
    assert anonymous.get(f"/s/{link.token}/").status_code == 200
    assert (
        anonymous.get(f"/s/{link.token}/A/m4a", headers={"Range": "bytes=0-9"}).status_code == 206
    )
    bad = link.token[:-4] + "AAAA"
    assert anonymous.get(f"/s/{bad}/").status_code == 404
    assert anonymous.get(f"/s/{bad}/A/m4a").status_code == 404
    shares.revoke_link(link, owner)
    assert anonymous.get(f"/s/{link.token}/").status_code == 404
    lines = log_lines.getvalue()
    assert "Not Found: /s/[token]/" in lines  # the 404s were logged, masked
    assert link.token not in lines and bad not in lines
    records = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    assert records and not any(link.token in r or bad in r for r in records)


def test_no_exception_names_the_token(generation, owner):
    link = share(generation, owner)
    shares.revoke_link(link, owner)
    for token in (link.token, "unknown-token-value"):
        with pytest.raises(Http404) as raised:
            shares.link_for_token(token)
        assert token not in str(raised.value)
