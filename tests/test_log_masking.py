"""Webhook (and share) tokens never reach a log line: Django's records and gunicorn's access
log both show /hooks/flowmusic/[token]/ (DESIGN §5.5)."""

from __future__ import annotations

import io
import logging
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from studio.ops.bench.common import spare_port
from studio.ops.logmask import MASKED_PATH_PREFIXES, MaskTokens, mask
from tests.workers import database_url

ROOT = Path(__file__).resolve().parent.parent
SECRET = "SECRET123"


def formatted(record: logging.LogRecord) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(MaskTokens())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.handle(record)
    return out.getvalue()


def test_a_django_request_warning_shows_no_webhook_token():
    record = logging.getLogger("django.request").makeRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "%s: %s",
        ("Not Found", f"/hooks/flowmusic/{SECRET}/"),
        None,
    )
    line = formatted(record)
    assert SECRET not in line
    assert "Not Found: /hooks/flowmusic/[token]/" in line


def test_tokens_are_masked_in_messages_args_and_tracebacks():
    try:
        raise ValueError(f"while fetching https://studio.example/hooks/flowmusic/{SECRET}/")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.getLogger("studio").makeRecord(
        "studio",
        logging.ERROR,
        __file__,
        1,
        f"webhook /hooks/flowmusic/{SECRET}/ from %(h)s, referer %(f)s",
        ({"h": "127.0.0.1", "f": f"https://studio.example/s/{SECRET}?x=1"},),
        exc_info,
    )
    line = formatted(record)
    assert SECRET not in line
    assert "webhook /hooks/flowmusic/[token]/ from 127.0.0.1" in line
    assert "referer https://studio.example/s/[token]?x=1" in line
    assert "ValueError: while fetching https://studio.example/hooks/flowmusic/[token]/" in line


def test_every_masked_prefix_is_masked_the_same_way():
    # Webhooks, share links and invitations: every link whose path carries a secret.
    assert {"/hooks/flowmusic/", "/s/", "/invite/"} <= set(MASKED_PATH_PREFIXES)
    for prefix in MASKED_PATH_PREFIXES:
        assert mask(f"GET {prefix}{SECRET}/ HTTP/1.1") == f"GET {prefix}[token]/ HTTP/1.1"
        assert mask(f"{prefix}{SECRET}") == f"{prefix}[token]"
    assert mask("/hooks/flowmusic/[token]/") == "/hooks/flowmusic/[token]/"


def test_our_log_handler_masks_tokens():
    handlers = settings.LOGGING["handlers"]
    filters = settings.LOGGING.get("filters", {})
    masking = {
        name
        for name, spec in filters.items()
        if spec.get("()") == MaskTokens or (spec.get("()") == "studio.ops.logmask.MaskTokens")
    }
    assert masking, "LOGGING has no studio.ops.logmask.MaskTokens filter"
    for name, handler in handlers.items():
        assert masking & set(handler.get("filters", [])), f"handler {name!r} is not masked"


def _procfile_gunicorn_args(port: int) -> list[str]:
    """The web command of the Procfile, from `gunicorn` on, for this port."""
    web = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    words = shlex.split(web.replace("$STUDIO_PORT", str(port)))
    return words[next(i for i, word in enumerate(words) if word.endswith("gunicorn")) + 1 :]


@pytest.mark.django_db(transaction=True)
def test_gunicorn_access_log_masks_the_webhook_token(tmp_path, owner):
    port = spare_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "STUDIO_DATA_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *_procfile_gunicorn_args(port)],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, err.read_text()
            try:
                httpx.get(f"{base}/healthz", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "gunicorn did not start within 60 s"
                time.sleep(0.2)
        response = httpx.post(f"{base}/hooks/flowmusic/{SECRET}/", content=b"{}", timeout=10)
        assert response.status_code == 404
    finally:
        server.terminate()
        server.wait(timeout=30)
    access, errors = out.read_text(), err.read_text()
    assert "POST /hooks/flowmusic/[token]/" in access, access
    assert "Not Found: /hooks/flowmusic/[token]/" in errors, errors
    assert SECRET not in access + errors
