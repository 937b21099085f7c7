"""The seed documents' own examples: their JSON bodies parse, and their curl commands succeed
against the standalone simulator (`python manage.py simulator`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from studio.flowmusic import (
    AMBIGUOUS,
    PERMANENT,
    TRANSIENT,
    AccountError,
    Asset,
    InsufficientCredits,
    Job,
    RateLimited,
    ServerError,
    Unauthorized,
)
from studio.flowmusic.errors import FLOWMUSIC
from studio.ops.bench.common import spare_port
from studio.rsflowhub import ImageBatch, estimate_credits
from studio.upstream.http import error_for_response
from tests import seed_bodies as seed

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "seed-example-token"


def test_sync_completed_record_parses_with_its_clip():
    job = Job.from_json(seed.SYNC_COMPLETED)
    assert job.is_completed and job.is_terminal and not job.is_failed
    assert job.created_at == datetime(2026, 6, 1, 18, 40, 42, 412000, tzinfo=UTC)
    assert job.completed_at == datetime(2026, 6, 1, 18, 42, 55, 123000, tzinfo=UTC)
    assert job.duration_ms == 132711
    assert job.error is None
    assert job.request["prompt"] == "lo-fi hip hop, mellow piano, 80 bpm"
    [clip] = job.clips
    assert clip.title == "Morning Sun"
    assert clip.duration_s == pytest.approx(173.04)
    assert clip.seed is None
    assert clip.lyrics_timing == [(0.0, 2.4), (2.4, 5.1)]
    assert clip.lyrics is not None and clip.lyrics.startswith("[Verse 1]")
    assert clip.audio_url.endswith(".m4a") and clip.wav_url.endswith(".wav")
    assert clip.image_url is not None and clip.image_url.endswith(".jpg")


def test_async_pending_record_parses_without_clips():
    job = Job.from_json(seed.ASYNC_PENDING)
    assert job.status == "pending" and not job.is_terminal
    assert job.clips == () and job.completed_at is None and job.duration_ms is None
    assert job.request["mode"] == "async"


def test_failed_moderation_record_carries_the_reason():
    job = Job.from_json(seed.FAILED_MODERATION)
    assert job.is_failed and job.is_terminal
    assert job.error is not None and job.error.code == "moderation_reject"
    assert job.error.message == "the model declined to generate audio for this prompt"


def test_generated_image_parses_as_an_asset():
    asset = Asset.from_json(seed.IMAGE_GENERATED)
    assert asset.kind == asset.asset_type == "image"
    assert (asset.width, asset.height, asset.model) == (1024, 1024, "google-generative-ai")


def test_rsflowhub_response_parses_and_matches_the_estimate():
    batch = ImageBatch.from_json(seed.RSFLOWHUB_RESPONSE)
    assert len(batch.images) == 2
    assert (batch.credits_used, batch.credits_remaining) == (40, 960)
    request = seed.RSFLOWHUB_REQUEST
    assert estimate_credits(request["n"], request["size"]) == batch.credits_used


@pytest.mark.parametrize(
    ("status", "body", "error_class", "kind"),
    [
        (401, seed.ERROR_401, Unauthorized, PERMANENT),
        (402, seed.ERROR_402, InsufficientCredits, PERMANENT),
        (429, seed.ERROR_429_ALL_BUSY, RateLimited, TRANSIENT),
        (429, seed.ERROR_429_ACCOUNT_BUSY, RateLimited, TRANSIENT),
        (596, seed.ERROR_596, AccountError, PERMANENT),
        (500, seed.IMAGE_DECLINED_500, ServerError, AMBIGUOUS),
    ],
)
def test_seed_error_bodies_map_to_typed_errors(status, body, error_class, kind):
    response = httpx.Response(status, json=body)
    error = error_for_response(response, service=FLOWMUSIC, idempotent=False, secret=TOKEN)
    assert type(error) is error_class
    assert (error.status, error.kind, error.detail) == (status, kind, body["error"])


def test_seed_596_body_names_the_account_and_reason():
    response = httpx.Response(596, json=seed.ERROR_596)
    error = error_for_response(response, service=FLOWMUSIC, idempotent=False, secret=TOKEN)
    assert error.message == (
        "The Flow Music account [email protected] is in an error state "
        "(refresh token rejected): re-add it upstream."
    )


# --- the curl examples against the standalone simulator ------------------------------------


@pytest.fixture(scope="module")
def standalone() -> Iterator[str]:
    """`manage.py simulator` in a subprocess; yields its base URL."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    port = spare_port()
    command = [sys.executable, "manage.py", "simulator", "--port", str(port), "--token", TOKEN]
    process = subprocess.Popen(
        [*command, "--latency", "0.2"],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                stderr = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"the simulator exited early: {stderr[-2000:]}")
            try:
                httpx.get(f"{base}/v1/flowmusic/accounts", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("the simulator did not start within 30 s")
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_curl(seed_command: str, base: str) -> dict:
    """Run a seed document's curl command against the simulator; return the JSON body."""
    command = (
        seed_command.replace("YOUR_API_TOKEN", TOKEN)
        .replace("YOUR_API_KEY", TOKEN)
        .replace("https://api.useapi.net", base)
        .replace("https://rsflowhub.com", base)
    )
    command = command.replace("curl ", "curl --silent --show-error --fail-with-body ", 1)
    result = subprocess.run(
        command, shell=True, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    return json.loads(result.stdout)


# Copied verbatim from the seed documents, line continuations included.
CURL_FILES_GENERATE = """curl -H "Content-Type: application/json" \\
     -H "Authorization: Bearer YOUR_API_TOKEN" \\
     -X POST "https://api.useapi.net/v1/flowmusic/files/generate" \\
     -d '{ "prompt": "abstract neon city skyline at night" }'"""

CURL_MUSIC = """curl -H "Content-Type: application/json" \\
     -H "Authorization: Bearer YOUR_API_TOKEN" \\
     -X POST "https://api.useapi.net/v1/flowmusic/music" \\
     -d '{ "prompt": "lo-fi hip hop, mellow piano, 80 bpm" }'"""

CURL_RSFLOWHUB = """curl -X POST https://rsflowhub.com/api/v1/ai/image-generation \\
  -H "Authorization: Bearer YOUR_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{
    "prompt": "Clean product hero image for a developer API dashboard",
    "style": "photorealistic",
    "size": "1024x1024",
    "n": 2
  }'"""


def test_curl_files_generate_example_succeeds(standalone):
    body = run_curl(CURL_FILES_GENERATE, standalone)
    asset = Asset.from_json(body)
    assert asset.id and asset.url and asset.kind == "image"
    assert asset.width and asset.height


def test_curl_music_example_blocks_until_completed(standalone):
    body = run_curl(CURL_MUSIC, standalone)
    job = Job.from_json(body)
    assert job.is_completed
    assert 1 <= len(job.clips) <= 2
    assert all(clip.audio_url and clip.wav_url for clip in job.clips)
    assert job.request["prompt"] == "lo-fi hip hop, mellow piano, 80 bpm"


def test_curl_rsflowhub_example_returns_two_images(standalone):
    body = run_curl(CURL_RSFLOWHUB, standalone)
    assert body["success"] is True
    batch = ImageBatch.from_json(body)
    assert len(batch.images) == 2
    assert batch.credits_used == estimate_credits(2, "1024x1024")
