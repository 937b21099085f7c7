"""A broken or hostile upstream harms only its own job (DESIGN §5 invariant 8), over real HTTP.

Each case replaces one field of a finished job record or of its first clip with something no
honest upstream sends (NaN, infinities, huge integers, wrong types, 10 MB strings, links to an
internal canary, redirect chains, slow drips, endless or over-declared bodies, text posing as
audio). A normal song is made beside it. In every case the hostile take settles in one
reconcile pass (failed with a reason the user can read, or completed with cleaned values), the
normal one completes, the canary is never asked for anything and no file over its cap is left.
Besides the random cases (HOSTILE_EXAMPLES), a fixed list (ALWAYS) runs every time: the 10 MB
strings, 2**70, each link to the canary and wrong-typed links, which chance alone rarely draws.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from studio.flowmusic import FlowMusicClient
from studio.songs.models import Clip, Generation
from studio.songs.pipeline import reconciler
from studio.upstream import download
from tests.hostile import CAPS, DEADLINE, HOSTILE_MARK, LINK_NAMES, rewrite
from tests.pipeline import Status, song

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "25"))
BIG = "x" * (10 * 1024 * 1024)
NUMBERS = [math.nan, math.inf, -math.inf, "nan", "inf", "-inf", 2**70, -(2**70), -1, 10**400]
SHAPES = [True, [], {}, [[math.nan, math.nan]], [["nan", "nan"]], {"a": [1, {"b": math.nan}]}]
TEXTS = ["", "\x00", "a\x00b", "\u202e3pm.exe", BIG]
JOB_FIELDS = ["jobid", "status", "email", "created_at", "completed_at", "duration_ms", "error"]
JOB_FIELDS += ["clips", "request"]
CLIP_FIELDS = ["clip", "title", "duration_s", "lyrics", "seed", "lyrics_timing", "created_at"]
URL_FIELDS = ["audio_url", "wav_url", "image_url"]

pytestmark = pytest.mark.usefixtures("pipeline", "held")


@pytest.fixture(scope="module")
def held(request):
    """The longest any one download held a worker over all cases, printed after them (the
    closing note's figure; the tests' own deadline is tests.hostile.DEADLINE)."""
    seconds: list[float] = []

    def observe(size: int, took: float, outcome: str) -> None:
        seconds.append(took)

    download.download_observers.append(observe)
    yield
    download.download_observers.remove(observe)
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter and capture and seconds:
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"\nhostile upstream: {len(seconds)} downloads; the longest held its worker "
                f"{max(seconds):.2f} s (deadline {DEADLINE:g} s)"
            )


class Link(str):
    """A link by name (tests.hostile.LINK_NAMES): the servers' ports are known only at run time."""


def cases():
    values = st.sampled_from(NUMBERS + SHAPES + TEXTS) | st.text(max_size=50)
    links = st.sampled_from([Link(name) for name in LINK_NAMES])
    job = st.tuples(st.just("job"), st.sampled_from(JOB_FIELDS), values)
    clip = st.tuples(st.just("clip"), st.sampled_from(CLIP_FIELDS), values)
    link = st.tuples(st.just("clip"), st.sampled_from(URL_FIELDS), links | values)
    return st.one_of(job, clip, link, link)


# Drawn every run, whatever the random cases are: the largest values and every internal link.
ALWAYS = [
    ("clip", "title", BIG),
    ("clip", "lyrics", BIG),
    ("job", "error", BIG),
    ("clip", "seed", 2**70),
    ("clip", "duration_s", math.inf),
    ("clip", "wav_url", Link("/drip")),
    ("clip", "audio_url", Link("/to-canary")),
    ("clip", "wav_url", Link("canary")),
    ("clip", "image_url", Link("canary-localhost")),
    ("clip", "audio_url", Link("canary-ipv6")),
    ("clip", "wav_url", Link("file")),
    ("clip", "audio_url", 12345),
    ("clip", "image_url", ["http://example.com/x.jpg"]),
    ("job", "clips", "not a list"),
    ("job", "clips", [None]),
    ("job", "request", None),
]


def _with_examples(test):
    for case in reversed(ALWAYS):
        test = example(case=case)(test)
    return test


def _passes_until_settled(simulator, limit: int = 3) -> int:
    """Reconcile passes from the moment the upstream has finished both jobs."""
    deadline = time.monotonic() + 30
    while any(job.status() != "completed" for job in simulator.state.jobs()):
        assert time.monotonic() < deadline, "the simulator never finished the jobs"
        time.sleep(0.05)
    with FlowMusicClient.from_settings() as client:
        for passes in range(1, limit + 1):
            Generation.objects.filter(status=Status.RUNNING).update(next_poll=timezone.now())
            Generation.objects.exclude(status=Status.FETCHING).update(not_before=None)
            failed = reconciler.reconcile_once(client)
            assert not failed, f"a bad record broke whole reconcile steps: {failed}"
            if not Generation.objects.filter(status__in=Generation.ACTIVE).exists():
                return passes
    states = list(Generation.objects.values_list("prompt", "status", "error_message"))
    raise AssertionError(f"not settled after {limit} passes: {states}")


def _check_clean(generation: Generation) -> None:
    if generation.status == Status.FAILED:
        reason = generation.error_message
        assert reason and len(reason) < 600 and "Traceback" not in reason, reason
        assert "secret" not in reason  # never a response body
        return
    assert generation.status == Status.COMPLETED, generation.error_message
    for clip in Clip.objects.filter(generation=generation):
        assert clip.duration_s is None or math.isfinite(clip.duration_s)
        assert len(clip.title) <= 200 and "\x00" not in clip.title + clip.lyrics
        assert all(math.isfinite(t) for pair in clip.lyrics_timing or [] for t in pair)


def _cap(path: Path) -> int:
    kind = {".wav": "wav", ".m4a": "audio"}.get(path.suffix, "image")
    return CAPS[kind]


def _check_disk() -> None:
    media = Path(settings.MEDIA_ROOT)
    files = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    assert not [p for p in files if p.suffix == ".part"], "a partial download was left"
    assert [p for p in files if p.stat().st_size > _cap(p)] == [], "a file over its cap"


@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@_with_examples
@given(case=cases())
def test_a_hostile_record_harms_only_its_own_job(case, hostile, simulator, team, owner):
    urls, canary_hits = hostile
    where, field, value = case
    if isinstance(value, Link):
        value = dict(zip(LINK_NAMES, urls, strict=True))[value]
    Generation.objects.all().delete()
    simulator.state.reset()  # fresh accounts and credits for every case
    simulator.state.hostile = rewrite(where, field, value)
    bad = song(team, owner, prompt=f"{HOSTILE_MARK}, lo-fi, 80 bpm")
    good = song(team, owner, prompt="calm piano, 70 bpm")
    assert _passes_until_settled(simulator) == 1
    bad.refresh_from_db(), good.refresh_from_db()
    _check_clean(bad)
    assert good.status == Status.COMPLETED, good.error_message
    assert all(clip.wav and clip.audio for clip in good.clips.all())
    assert canary_hits == []
    _check_disk()
