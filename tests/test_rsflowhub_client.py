"""Contract tests: RsflowhubClient against the simulator over real HTTP."""

from __future__ import annotations

import logging
import time

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured

from studio.ops.bench.common import spare_port
from studio.rsflowhub import ImageBatch, RsflowhubClient, estimate_credits
from studio.upstream import errors

SHORT_TIMEOUT = 0.3
PROMPT = "Clean product hero image for a developer API dashboard"


@pytest.fixture
def hub(simulator):
    with RsflowhubClient(simulator.rsflowhub_url, simulator.token, timeout=30) as client:
        yield client


def test_generates_images_and_reports_credits(hub):
    batch = hub.generate_images(PROMPT, style="photorealistic", size="1024x1024", n=2)
    assert isinstance(batch, ImageBatch) and len(batch.images) == 2
    assert (batch.credits_used, batch.credits_remaining) == (40, 960)
    image = httpx.get(batch.images[0])
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def test_large_images_cost_what_the_estimate_says(hub):
    batch = hub.generate_images("a tall poster", size="1024x1792")
    assert len(batch.images) == 1
    assert batch.credits_used == estimate_credits(1, "1024x1792") == 40


@pytest.mark.parametrize(
    ("n", "size", "credits"),
    [(1, None, 20), (4, "1024x1024", 80), (1, "512x512", 20), (2, "1792x1024", 80)],
)
def test_estimate_credits(n, size, credits):
    assert estimate_credits(n, size) == credits
    assert RsflowhubClient.estimate_credits(n, size) == credits


@pytest.mark.parametrize(("n", "size"), [(0, None), (5, None), (1, "big"), (1, "x1024")])
def test_estimate_rejects_what_cannot_be_priced(n, size):
    with pytest.raises(ValueError):
        estimate_credits(n, size)


@pytest.mark.parametrize("n", [0, 5, True])
def test_n_out_of_range_fails_before_any_request(hub, simulator, n):
    with pytest.raises(ValueError):
        hub.generate_images(PROMPT, n=n)
    assert simulator.state.requests == []


def test_invalid_parameters_are_a_bad_request(hub):
    with pytest.raises(errors.BadRequest) as caught:
        hub.generate_images(PROMPT, style="cubist")
    assert caught.value.kind == errors.PERMANENT and "style" in caught.value.detail
    with pytest.raises(errors.BadRequest):
        hub.generate_images("x" * 4_001)


def test_wrong_key_is_unauthorized_and_never_shown(simulator, caplog):
    caplog.set_level(logging.DEBUG)
    key = "wrong-rsflowhub-key-51c2"
    with RsflowhubClient(simulator.rsflowhub_url, key) as hub:
        with pytest.raises(errors.Unauthorized) as caught:
            hub.generate_images(PROMPT)
        assert key not in repr(hub)
    error = caught.value
    assert error.kind == errors.PERMANENT and "RSFLOWHUB_API_KEY" in error.message
    for text in (str(error), repr(error), error.detail, caplog.text):
        assert key not in text


def test_no_credits_is_insufficient_credits(hub, simulator):
    simulator.state.rsflowhub_credits = 30
    with pytest.raises(errors.InsufficientCredits) as caught:
        hub.generate_images(PROMPT, n=2)
    assert caught.value.status == 402 and caught.value.kind == errors.PERMANENT
    assert caught.value.message.startswith("The rsflowhub account has no credits left")


def test_injected_429_is_transient_with_retry_after(hub, simulator):
    simulator.state.inject("POST /ai/image-generation", "429")
    with pytest.raises(errors.RateLimited) as caught:
        hub.generate_images(PROMPT)
    assert caught.value.kind == errors.TRANSIENT and caught.value.retry_after == 1.0


@pytest.mark.parametrize(
    ("action", "error_class"),
    [
        ("500", errors.ServerError),
        ("503", errors.ServerError),
        ("drop", errors.ConnectionFailed),
        ("accept_then_drop", errors.ConnectionFailed),
        ("timeout", errors.UpstreamTimeout),
    ],
)
def test_failures_after_sending_are_ambiguous(simulator, action, error_class):
    simulator.state.inject("POST /ai/image-generation", action, delay=1.0)
    # Only the timeout case needs a short one; the others must not hit it on a busy machine.
    timeout = SHORT_TIMEOUT if action == "timeout" else 10.0
    client = RsflowhubClient(simulator.rsflowhub_url, simulator.token, timeout=timeout)
    with client as hub, pytest.raises(error_class) as caught:
        hub.generate_images(PROMPT)
    assert caught.value.kind == errors.AMBIGUOUS
    time.sleep(1.3 if action == "timeout" else 0)  # let the simulator finish the request
    assert [r.route for r in simulator.state.requests] == ["POST /ai/image-generation"]


def test_nothing_listening_is_transient():
    port = spare_port()
    client = RsflowhubClient(f"http://127.0.0.1:{port}/api/v1", "key")
    with client as hub, pytest.raises(errors.ConnectionFailed) as caught:
        hub.generate_images(PROMPT)
    assert caught.value.kind == errors.TRANSIENT


def test_from_settings(simulator, settings):
    with RsflowhubClient.from_settings() as hub:
        assert hub.base_url == simulator.rsflowhub_url
        assert len(hub.generate_images(PROMPT).images) == 1
    settings.RSFLOWHUB_API_KEY = None
    settings.FLOWMUSIC_SIMULATED = False
    with pytest.raises(ImproperlyConfigured):
        RsflowhubClient.from_settings()
    settings.FLOWMUSIC_SIMULATED = True
    with RsflowhubClient.from_settings() as hub:
        assert hub._secret == settings.SIMULATOR_TOKEN
    settings.RSFLOWHUB_API_URL = ""
    with pytest.raises(ImproperlyConfigured):
        RsflowhubClient.from_settings()


def test_from_settings_takes_a_timeout(simulator):
    with RsflowhubClient.from_settings() as hub:
        assert hub._http.timeout.read == RsflowhubClient.DEFAULT_TIMEOUT
    with RsflowhubClient.from_settings(timeout=3.0) as hub:
        assert hub._http.timeout.read == 3.0
