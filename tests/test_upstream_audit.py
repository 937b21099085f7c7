"""The audit's findings about upstream data, one test each (DESIGN §5 invariant 8)."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from studio.flowmusic import FlowMusicClient
from studio.songs.compose import covers
from studio.songs.lifecycle import ErrorCode
from studio.songs.models import Clip, Generation
from studio.songs.pipeline import ingest
from studio.upstream.download import DownloadRefused
from tests.hostile import HOSTILE_MARK, rewrite
from tests.pipeline import Status, drive, settled, song

pytestmark = pytest.mark.usefixtures("pipeline")


def _both(team, owner) -> tuple[Generation, Generation]:
    """A song whose finished record is rewritten, and an ordinary one beside it."""
    bad = song(team, owner, prompt=f"{HOSTILE_MARK}, 90 bpm")
    good = song(team, owner, prompt="an ordinary song")
    drive(settled)
    bad.refresh_from_db(), good.refresh_from_db()
    assert good.status == Status.COMPLETED, good.error_message
    return bad, good


@pytest.fixture
def rewrites(simulator, hostile):
    def set_rewrite(where: str, field: str, value) -> None:
        simulator.state.hostile = rewrite(where, field, value)

    return set_rewrite


def test_nan_timing_inf_duration_and_a_huge_seed_are_cleaned_not_fatal(team, owner, simulator):
    def record(job, data):
        if HOSTILE_MARK in job.request["prompt"] and data.get("clips"):
            data["clips"][0].update(
                lyrics_timing=[["nan", "nan"], [1.0, 2.5]], duration_s="inf", seed=2**70
            )
        return data

    simulator.state.hostile = record
    bad, _good = _both(team, owner)
    clip = bad.clips.get(slot="A")
    assert bad.status == Status.COMPLETED
    assert clip.lyrics_timing == [[1.0, 2.5]] and clip.duration_s is None and clip.seed is None


def test_an_unusable_record_fails_only_its_own_job(team, owner, rewrites):
    rewrites("clip", "clip", "x" * 400)  # no clip id fits our column
    bad, good = _both(team, owner)
    assert bad.status == Status.FAILED and bad.error_code == ErrorCode.MALFORMED
    assert "could not read" in bad.error_message and "Use Retry" in bad.error_message


def test_a_wav_link_that_is_not_a_wav_fails_at_once_and_keeps_no_file(
    team, owner, rewrites, hostile, settings
):
    urls, _ = hostile
    rewrites("clip", "wav_url", next(url for url in urls if url.endswith("/not-audio")))
    bad, _good = _both(team, owner)
    assert bad.status == Status.FAILED and bad.error_code == ErrorCode.BAD_MEDIA
    assert bad.fetch_attempts == 1 and "not a WAV" in bad.error_message
    assert not any(clip.wav or clip.audio for clip in bad.clips.all())


@pytest.mark.parametrize("target", ["/to-canary", "/direct", "localhost"])
def test_audio_links_to_internal_addresses_are_never_fetched(
    team, owner, rewrites, hostile, target
):
    urls, canary_hits = hostile
    rewrites("clip", "audio_url", next(url for url in urls if target in url))
    bad, _good = _both(team, owner)
    assert bad.status == Status.FAILED and "refused a media link to" in bad.error_message
    assert canary_hits == []


def test_a_dripping_link_holds_a_worker_only_until_its_deadline(team, owner, rewrites, hostile):
    urls, _ = hostile
    rewrites("clip", "wav_url", next(url for url in urls if url.endswith("/drip")))
    started = time.monotonic()
    bad, _good = _both(team, owner)
    assert bad.status == Status.FAILED and "took longer than the 2 s" in bad.error_message
    assert time.monotonic() - started < 15


def test_an_endless_body_is_cut_at_the_cap(team, owner, rewrites, hostile):
    urls, _ = hostile
    rewrites("clip", "audio_url", next(url for url in urls if url.endswith("/huge-chunked")))
    bad, _good = _both(team, owner)
    assert bad.status == Status.FAILED and "larger than the 20 MB" in bad.error_message
    assert not list(ingest.media_files.tmp_dir().glob("*.part"))


def test_refused_artwork_leaves_the_take_without_it_and_says_why(team, owner, rewrites, hostile):
    urls, canary_hits = hostile
    rewrites("clip", "image_url", next(url for url in urls if url.endswith("/to-canary")))
    bad, _good = _both(team, owner)
    assert bad.status == Status.COMPLETED and not bad.clips.get(slot="A").image
    assert "Artwork of take A not saved: refused" in bad.error_message and canary_hits == []


def test_cover_art_links_to_internal_hosts_are_not_fetched(hostile):
    urls, canary_hits = hostile
    with pytest.raises(DownloadRefused) as refused:
        covers._download(next(url for url in urls if url.endswith("/direct")))
    assert "not a public address" in str(refused.value) and canary_hits == []


def test_titles_longer_than_the_column_are_cut(team, owner, rewrites):
    rewrites("clip", "title", "Long " * 100)
    bad, _good = _both(team, owner)
    assert bad.status == Status.COMPLETED and len(bad.clips.get(slot="A").title) == 200


def test_refreshed_links_only_touch_this_jobs_clips(team, owner, simulator):
    first, other = song(team, owner, prompt="first"), song(team, owner, prompt="second")
    drive(settled)
    theirs = Clip.objects.filter(generation=first).first()
    before = theirs.wav_url

    def record(job, data):  # the second job's record names the first job's clip
        if job.request["prompt"] == "second" and data.get("clips"):
            data["clips"][0].update(clip=theirs.clip_id, wav_url="http://evil.example/x.wav")
        return data

    simulator.state.hostile = record
    with FlowMusicClient.from_settings() as client:
        ingest._refresh_urls(client, Generation.objects.get(pk=other.pk))
    assert Clip.objects.get(pk=theirs.pk).wav_url == before


def test_a_clip_is_not_served_before_its_song_completes(owner_client, team, owner):
    generation = song(team, owner)
    drive(settled)
    clip = generation.clips.first()
    url = reverse("clip_file", args=[clip.pk, "wav"])
    assert owner_client.get(url).status_code == 200
    Generation.objects.filter(pk=generation.pk).update(status=Status.FETCHING)
    assert owner_client.get(url).status_code == 404


def test_a_hostile_account_listing_is_stored_within_its_columns(db):
    from django.utils import timezone

    from studio.flowmusic import Account
    from studio.songs.models import UpstreamAccount

    account = Account.from_json(
        {
            "email": "a" * 400 + "\x00",
            "maxJobs": 2**70,
            "error": "x\x00" * 10**6,
            "credits_remaining": 2**40,
        },
        email="b" * 400,
    )
    assert len(account.email) <= 254 and "\x00" not in account.email
    assert account.max_jobs is None and account.credits_remaining is None
    assert account.error and len(account.error) <= 500 and "\x00" not in account.error
    UpstreamAccount.objects.create(
        email=account.email,
        max_jobs=account.max_jobs or 1,
        error=account.error,
        credits_remaining=account.credits_remaining,
        refreshed=timezone.now(),
    )


def test_a_record_naming_another_songs_job_during_adoption_harms_no_other_song(
    team, owner, simulator
):
    """An `unknown` song's candidate record claims the jobid a completed song already owns:
    it is not adopted (nor does the UNIQUE jobid break the pass), and other songs go on."""
    first = song(team, owner, prompt="first")
    drive(settled)
    first.refresh_from_db()
    simulator.state.latency = 60  # the next one stays running upstream
    lost = song(team, owner, prompt="an answer we never heard")
    lost.refresh_from_db()
    assert lost.status == Status.RUNNING
    its_job = lost.jobid
    # As after a lost answer: the job runs upstream, we do not know its id.
    Generation.objects.filter(pk=lost.pk).update(status=Status.UNKNOWN, jobid=None)

    def claim_the_first_job(job, record):
        if record.get("jobid") == its_job:
            record["jobid"] = first.jobid
        return record

    simulator.state.hostile = claim_the_first_job
    simulator.state.latency = 0.3
    other = song(team, owner, prompt="a song queued beside it")
    drive(lambda: Generation.objects.get(pk=other.pk).status == Status.COMPLETED)
    lost.refresh_from_db(), first.refresh_from_db()
    assert lost.status == Status.UNKNOWN and lost.jobid is None  # still to be looked for
    assert first.status == Status.COMPLETED
