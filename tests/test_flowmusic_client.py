"""Contract tests: every FlowMusicClient call against the simulator over real HTTP.

Answers the simulator cannot give (422, 403, a Retry-After date) are in test_upstream_http.py.
"""

from __future__ import annotations

import io
import time

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured

from studio.flowmusic import FlowMusicClient, Job, SongRequest
from studio.upstream import errors
from tests.upstream_samples import jpeg_bytes, png_bytes, wav_bytes

SHORT_TIMEOUT = 0.3


@pytest.fixture
def fm(simulator):
    with FlowMusicClient(simulator.flowmusic_url, simulator.token, timeout=5) as client:
        yield client


def impatient(simulator) -> FlowMusicClient:
    """A client whose read timeout is shorter than an injected delay."""
    return FlowMusicClient(simulator.flowmusic_url, simulator.token, timeout=SHORT_TIMEOUT)


def wait_for(fm: FlowMusicClient, jobid: str, timeout: float = 10.0) -> Job:
    deadline = time.monotonic() + timeout
    while not (job := fm.get_job(jobid)).is_terminal and time.monotonic() < deadline:
        time.sleep(0.05)
    return job


# --- songs and jobs ---------------------------------------------------------------------------


def test_create_song_is_async_and_completes_with_an_ab_pair(fm):
    job = fm.create_song(SongRequest(prompt="mellow piano ballad about rain, sung, 72 bpm"))
    assert job.status == "pending" and not job.is_terminal
    assert job.request["mode"] == "async" and job.email
    done = wait_for(fm, job.jobid)
    assert done.is_completed and done.completed_at is not None
    assert len(done.clips) == 2
    for clip in done.clips:
        assert clip.clip and clip.created_at is not None
        assert clip.duration_s is not None and 10 <= clip.duration_s <= 30
        assert clip.audio_url and clip.wav_url and clip.image_url
        assert clip.lyrics and clip.lyrics_timing
        assert all(0 <= start < end <= clip.duration_s for start, end in clip.lyrics_timing)


def test_single_take_prompt_gives_one_clip(fm):
    job = fm.create_song(SongRequest(prompt="single take acoustic guitar", instrumental=True))
    [clip] = wait_for(fm, job.jobid).clips
    assert clip.lyrics == "[Instrumental]"


def test_moderated_prompt_ends_failed_with_the_reason(fm):
    done = wait_for(fm, fm.create_song(SongRequest(prompt="a forbidden song")).jobid)
    assert done.is_failed and done.clips == ()
    assert done.error is not None and done.error.code == "moderation_reject"


def test_every_song_field_is_sent(fm):
    image = fm.generate_image("cover for a test", email="alice@example.com")
    audio = fm.upload_file(wav_bytes(), "audio/wav", email="alice@example.com")
    req = SongRequest(
        prompt="funk groove, 110 bpm",
        lyrics="[Verse]\nHello there\n[Chorus]\nGoodbye now",
        instrumental=False,
        ghostwriter="pro",
        email="alice@example.com",
        ref_images=(image.id,),
        ref_audios=(audio.id,),
        reply_url="http://127.0.0.1:9/hook",
        reply_ref="gen-42",
    )
    job = fm.create_song(req)
    assert job.request == req.to_json()
    assert job.reply_ref == "gen-42" and job.email == "alice@example.com"
    assert SongRequest.from_json(job.request) == req


@pytest.mark.parametrize(
    "req",
    [
        SongRequest(prompt=""),
        SongRequest(prompt="x" * 10_001),
        SongRequest(prompt="ok", ghostwriter="ghost"),
        SongRequest(prompt="ok", email="nobody@example.com"),
        SongRequest(prompt="ok", ref_images=("not-an-asset",)),
    ],
)
def test_invalid_song_is_a_permanent_bad_request(fm, simulator, req):
    with pytest.raises(errors.BadRequest) as caught:
        fm.create_song(req)
    assert caught.value.status == 400 and caught.value.kind == errors.PERMANENT
    assert caught.value.detail in caught.value.message
    assert simulator.state.accepted_songs() == []


def test_references_from_two_accounts_are_a_bad_request(fm):
    alice = fm.generate_image("one", email="alice@example.com")
    bob = fm.generate_image("two", email="bob@example.com")
    with pytest.raises(errors.BadRequest):
        fm.create_song(SongRequest(prompt="mix", ref_images=(alice.id, bob.id)))
    with pytest.raises(errors.BadRequest):
        fm.create_song(SongRequest(prompt="mix", ref_images=(alice.id,), email="bob@example.com"))


def test_no_credits_is_insufficient_credits(fm):
    with pytest.raises(errors.InsufficientCredits) as caught:
        fm.create_song(SongRequest(prompt="hello", email="carol@example.com"))
    assert caught.value.kind == errors.PERMANENT and caught.value.status == 402
    assert caught.value.message == (
        "The Flow Music account has no credits left: top up its credits or choose another account."
    )


def test_account_in_error_state_names_account_and_reason(fm):
    with pytest.raises(errors.AccountError) as caught:
        fm.create_song(SongRequest(prompt="hello", email="broken@example.com"))
    error = caught.value
    assert error.status == 596 and error.kind == errors.PERMANENT
    assert "broken@example.com" in error.message and "refresh token rejected" in error.message
    assert "re-add it upstream" in error.message


def test_busy_account_and_busy_upstream_are_transient_429s(fm, simulator):
    simulator.state.latency = 30
    for _ in range(2):
        fm.create_song(SongRequest(prompt="fill bob", email="bob@example.com"))
    with pytest.raises(errors.RateLimited) as one_account:
        fm.create_song(SongRequest(prompt="one too many", email="bob@example.com"))
    assert "Too Many Requests" in one_account.value.detail
    for _ in range(3):
        fm.create_song(SongRequest(prompt="fill alice"))
    with pytest.raises(errors.RateLimited) as all_accounts:
        fm.create_song(SongRequest(prompt="no room anywhere"))
    assert "maxJobs concurrency limit" in all_accounts.value.detail
    for error in (one_account.value, all_accounts.value):
        assert error.kind == errors.TRANSIENT and error.retry_after is None
    running = fm.list_jobs()
    assert running["bob@example.com"].running == 2
    assert running["alice@example.com"].max_jobs == 3
    assert len(running["alice@example.com"].jobs) == 3


def test_cancel_forgets_the_job(fm, simulator):
    simulator.state.latency = 30
    job = fm.create_song(SongRequest(prompt="to be canceled"))
    assert fm.cancel_job(job.jobid) is None
    with pytest.raises(errors.NotFound) as caught:
        fm.get_job(job.jobid)
    assert caught.value.kind == errors.PERMANENT
    with pytest.raises(errors.NotFound):
        fm.cancel_job(job.jobid)


# --- failures after sending: POST /music is ambiguous and never retried ---------------------


@pytest.mark.parametrize(
    ("action", "error_class", "accepted"),
    [
        ("500", errors.ServerError, 0),
        ("503", errors.ServerError, 0),
        ("drop", errors.ConnectionFailed, 0),
        ("accept_then_drop", errors.ConnectionFailed, 1),
        ("timeout", errors.UpstreamTimeout, 1),
        ("accept_then_timeout", errors.UpstreamTimeout, 1),
    ],
)
def test_create_song_failure_is_ambiguous_and_sent_once(simulator, action, error_class, accepted):
    simulator.state.inject("POST /music", action, delay=1.0)
    with impatient(simulator) as fm, pytest.raises(error_class) as caught:
        fm.create_song(SongRequest(prompt="exactly once"))
    assert caught.value.kind == errors.AMBIGUOUS
    assert "may still have been accepted" in caught.value.message
    time.sleep(1.3 if "timeout" in action else 0)  # let the simulator finish the request
    assert [r.route for r in simulator.state.requests] == ["POST /music"]
    assert len(simulator.state.accepted_songs()) == accepted


def test_every_read_is_idempotent_so_its_failures_are_transient(simulator):
    with impatient(simulator) as fm:
        jobid = fm.create_song(SongRequest(prompt="poll me")).jobid
        reads = {
            "GET /jobs/{jobid}": lambda: fm.get_job(jobid),
            "GET /jobs": fm.list_jobs,
            "GET /accounts": fm.list_accounts,
            "GET /accounts/{email}": lambda: fm.get_account("alice@example.com"),
        }
        for route, read in reads.items():
            simulator.state.inject(route, "drop")
            with pytest.raises(errors.ConnectionFailed) as caught:
                read()
            assert caught.value.kind == errors.TRANSIENT, route


# --- images and uploads -----------------------------------------------------------------------


def test_generate_image_returns_a_usable_asset(fm):
    asset = fm.generate_image("abstract neon city skyline at night", email="bob@example.com")
    assert asset.kind == asset.asset_type == "image"
    assert asset.email == "bob@example.com" and asset.width and asset.height and asset.model
    assert httpx.get(asset.url).status_code == 200


def test_generate_image_errors(fm, simulator):
    with pytest.raises(errors.ImageDeclined) as caught:
        fm.generate_image("something forbidden")
    assert caught.value.status == 500 and caught.value.kind == errors.PERMANENT
    assert caught.value.message == "The image model declined this prompt; try different words"
    with pytest.raises(errors.BadRequest):
        fm.generate_image("")
    with pytest.raises(errors.AccountError):
        fm.generate_image("a cat", email="broken@example.com")
    simulator.state.inject("POST /files/generate", "503")
    with pytest.raises(errors.ServerError) as caught:
        fm.generate_image("a cat")
    assert caught.value.kind == errors.AMBIGUOUS


@pytest.mark.parametrize(
    ("make", "content_type", "kind"),
    [(png_bytes, "image/png", "image"), (jpeg_bytes, "image/jpeg", "image")]
    + [(wav_bytes, "audio/wav", "audio")],
)
def test_upload_real_files(fm, make, content_type, kind):
    asset = fm.upload_file(make(), content_type, email="alice@example.com", strip_metadata=True)
    assert asset.kind == kind and asset.id and asset.email == "alice@example.com"
    streamed = fm.upload_file(io.BytesIO(make()), content_type)
    assert streamed.kind == kind


def test_upload_errors(fm, simulator):
    with pytest.raises(errors.BadRequest):
        fm.upload_file(png_bytes(), "text/plain")
    with pytest.raises(errors.PayloadTooLarge) as caught:
        fm.upload_file(png_bytes() + b"\x00" * (20 * 1024 * 1024), "image/png")
    assert caught.value.kind == errors.PERMANENT
    simulator.state.inject("POST /files", "accept_then_drop")
    with pytest.raises(errors.ConnectionFailed) as dropped:
        fm.upload_file(png_bytes(), "image/png")
    assert dropped.value.kind == errors.AMBIGUOUS


# --- accounts -------------------------------------------------------------------------------


def test_list_and_get_accounts(fm):
    accounts = fm.list_accounts()
    assert set(accounts) >= {"alice@example.com", "bob@example.com", "broken@example.com"}
    assert accounts["alice@example.com"].max_jobs == 3
    assert accounts["broken@example.com"].error == "refresh token rejected"
    assert accounts["alice@example.com"].error is None
    alice = fm.get_account("alice@example.com")
    assert alice.credits_remaining == 1000 and alice.email == "alice@example.com"
    fm.create_song(SongRequest(prompt="costs credits", email="alice@example.com"))
    assert fm.get_account("alice@example.com").credits_remaining == 990
    broken = fm.get_account("broken@example.com")
    assert broken.error and broken.credits_remaining is None
    with pytest.raises(errors.NotFound):
        fm.get_account("nobody@example.com")


def test_from_settings_talks_to_the_configured_upstream(simulator, settings):
    with FlowMusicClient.from_settings() as fm:
        assert fm.base_url == simulator.flowmusic_url
        assert "carol@example.com" in fm.list_accounts()
        assert fm._http.timeout.read == FlowMusicClient.DEFAULT_TIMEOUT
    settings.FLOWMUSIC_API_TOKEN = None  # no token: the mounted simulator's own token
    with FlowMusicClient.from_settings(timeout=3.0) as page:
        assert page._secret == settings.SIMULATOR_TOKEN and page._http.timeout.read == 3.0
    settings.FLOWMUSIC_API_URL = ""
    with pytest.raises(ImproperlyConfigured):
        FlowMusicClient.from_settings()


def test_song_request_json():
    body = SongRequest(prompt="p", ref_images=("a", "b"), ref_audios=("c",)).to_json()
    assert body == dict(prompt="p", mode="async", refImage1="a", refImage2="b", refAudio1="c")
    with pytest.raises(ValueError):
        SongRequest(prompt="p", ref_images=tuple("abcdefghijk")).to_json()
