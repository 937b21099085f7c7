"""First library page load: compressed CSS+JS bytes and the requests the page makes.

Static files are collected with the production storage (hashed, gzip/brotli siblings) and asked
for with `Accept-Encoding: gzip, br`, so the bytes are what whitenoise actually sends.
"""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from studio.ops.bench.common import figure
from studio.ops.seed_text import USERNAME

BUDGET = 150 * 1024


def collect_static() -> None:
    """Pages name hashed files from collectstatic's manifest; a second run only adds changes."""
    call_command("collectstatic", interactive=False, verbosity=0)


class PageAssets(HTMLParser):
    """What a browser fetches on a first load, besides the document itself."""

    def __init__(self) -> None:
        super().__init__()
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self.images: list[str] = []
        self.lazy_images: list[str] = []
        self.audio_metadata: list[str] = []
        self.blocking_other_host: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        rel = a.get("rel", "").split()
        if tag == "link" and "stylesheet" in rel:
            self.styles.append(a["href"])
            self._blocking(a["href"], "media" not in a)
        elif tag == "link" and "icon" in rel:
            self.images.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
            self._blocking(a["src"], "defer" not in a and "async" not in a)
        elif tag == "img" and a.get("src"):
            (self.lazy_images if a.get("loading") == "lazy" else self.images).append(a["src"])
        elif tag in ("audio", "video") and a.get("src") and a.get("preload", "auto") != "none":
            self.audio_metadata.append(a["src"])

    def _blocking(self, url: str, blocking: bool) -> None:
        if blocking and urlsplit(url).netloc:
            self.blocking_other_host.append(url)


def _compressed_size(client: Client, url: str) -> tuple[int, str]:
    response = client.get(url, headers={"accept-encoding": "gzip, br"})
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return len(response.getvalue()), response.headers.get("Content-Encoding", "identity")


def run() -> None:
    collect_static()
    user_model = get_user_model()
    if not user_model.objects.filter(username=USERNAME.format(1)).exists():
        call_command("seed_library", generations=100, stdout=io.StringIO())
    client = Client(SERVER_NAME="localhost")
    client.force_login(user_model.objects.get(username=USERNAME.format(1)))
    page = client.get("/")
    if page.status_code != 200:
        raise RuntimeError(f"the library page answered {page.status_code}")
    assets = PageAssets()
    assets.feed(page.content.decode())

    total = 0
    for url in assets.styles + assets.scripts:
        size, encoding = _compressed_size(client, url)
        total += size
        figure(f"pageweight.file:{Path(urlsplit(url).path).name}", size, f"bytes {encoding}")
    figure("pageweight.css_js_compressed", total, "bytes", f"<= {BUDGET} (150 KB)")
    figure("pageweight.html", len(page.content), "bytes uncompressed")
    fetched = [*assets.styles, *assets.scripts, *assets.images, *assets.audio_metadata]
    requests = 1 + len(fetched)  # and the document itself
    breakdown = (
        f"requests: document, {len(assets.styles)} CSS, {len(assets.scripts)} JS, "
        f"{len(assets.images)} images, {len(assets.audio_metadata)} audio metadata"
    )
    figure("pageweight.requests_first_load", requests, breakdown)
    figure("pageweight.lazy_images", len(assets.lazy_images), "requests", "only when scrolled to")
    figure(
        "pageweight.render_blocking_other_host", len(assets.blocking_other_host), "requests", "0"
    )
