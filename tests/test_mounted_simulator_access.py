"""The mounted simulator serves only this Studio: a per-instance token, no foreign replyUrls."""

from __future__ import annotations

import stat

import pytest

from studio.env import kept_secret
from studio.simulator.models import DEFAULT_TOKEN
from studio.simulator.views import default_state

SONG = {"prompt": "rain on a tin roof", "mode": "async"}
JOBS = "/simulator/v1/flowmusic/jobs"


@pytest.fixture
def mounted(settings):
    if not settings.FLOWMUSIC_SIMULATED:
        pytest.skip("the simulator is only mounted without FLOWMUSIC_API_TOKEN")
    state = default_state()
    state.latency = 30
    yield state
    state.reset()


def test_the_simulator_token_is_random_per_instance_and_kept_private(tmp_path, settings):
    first, second = kept_secret(tmp_path / "a" / "token"), kept_secret(tmp_path / "b" / "token")
    assert first != second and len(first) == 64
    assert kept_secret(tmp_path / "a" / "token") == first  # every process reads the same one
    assert stat.S_IMODE((tmp_path / "a" / "token").stat().st_mode) == 0o600
    assert settings.SIMULATOR_TOKEN != DEFAULT_TOKEN


def test_a_stranger_with_the_old_constant_token_gets_nothing(client, mounted, settings):
    ours = {"HTTP_AUTHORIZATION": f"Bearer {settings.SIMULATOR_TOKEN}"}
    job = client.post("/simulator/v1/flowmusic/music", SONG, "application/json", **ours).json()
    stranger = {"HTTP_AUTHORIZATION": f"Bearer {DEFAULT_TOKEN}"}
    assert client.get(JOBS, **stranger).status_code == 401
    assert client.get(f"{JOBS}/{job['jobid']}", **stranger).status_code == 401
    assert client.delete(f"{JOBS}/{job['jobid']}", **stranger).status_code == 401
    assert client.get(f"{JOBS}/{job['jobid']}", **ours).json()["status"] == "pending"


def test_the_mounted_simulator_posts_only_to_this_studios_webhook(client, mounted, settings):
    ours = {"HTTP_AUTHORIZATION": f"Bearer {settings.SIMULATOR_TOKEN}"}
    prefixes = mounted.reply_url_prefixes
    foreign = {**SONG, "replyUrl": "http://127.0.0.1:9/internal-secret"}
    refused = client.post("/simulator/v1/flowmusic/music", foreign, "application/json", **ours)
    assert refused.status_code == 400 and "own webhook" in refused.json()["error"]
    assert not mounted.jobs()
    if prefixes:  # PUBLIC_URL set when the state was made: its own webhook is fine
        own = {**SONG, "replyUrl": prefixes[0] + "token/"}
        accepted = client.post("/simulator/v1/flowmusic/music", own, "application/json", **ours)
        assert accepted.status_code == 201
