"""200 songs queued at once across 3 simulated accounts, with webhooks and with polling only.

Everything runs for real: the simulator over HTTP, gunicorn receiving webhooks, both django-q2
clusters as `make run` starts them (the main one, 4 workers: submissions, webhooks, polls, the
reconciler; `ingest`, 2 workers: the files). First a few songs one at a time (the latency a user
sees), then the burst. The latency is upstream completion → completed here: every file stored,
so the song plays (tempo and key come after).
"""

from __future__ import annotations

import logging
import time
from contextlib import ExitStack

from django.contrib.auth import get_user_model

from studio.enqueue import INGEST
from studio.ops.bench.common import child_env, figure, gunicorn, percentile, qcluster, spare_port
from studio.simulator.models import SimAccount
from studio.simulator.server import SimulatorServer
from studio.songs import services
from studio.songs.models import Generation, UpstreamAccount
from studio.teams.models import Membership, Team

SONGS = 200
MAX_JOBS = 10
PROMPTS = [f"bench groove {i}, 120 bpm, instrumental" for i in range(5)]
ACCOUNTS = [f"bench{i}@example.com" for i in range(3)]
TIMEOUT = 300
SINGLE_SONGS = 5
# Main before issue 17 (one cluster of 4 workers storing files and tracking jobs alike), as
# measured there: burst latency p50 / p95 in seconds.
BEFORE = {"webhook": (2.85, 10.5), "polling": (5.9, 9.13)}
TARGETS = {"webhook": ("<= 1 s", "<= 2 s"), "polling": ("<= one poll interval",) * 2}


def _author():
    team = Team.objects.get_or_create(name="Bench")[0]
    user, created = get_user_model().objects.get_or_create(username="bench")
    if created:
        Membership.objects.create(user=user, team=team, role=Membership.Role.OWNER)
    return team, user


def _wait_until_done(deadline: float) -> None:
    while Generation.objects.filter(status__in=Generation.ACTIVE).exists():
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)


def _latencies() -> list[float]:
    """Upstream completion → completed in our database, per completed generation."""
    done = Generation.objects.filter(status=Generation.Status.COMPLETED)
    return [
        (finished - completed).total_seconds()
        for finished, completed in done.values_list("finished", "upstream_completed")
        if finished and completed
    ]


def run_once(server: SimulatorServer, mode: str) -> None:
    server.state.reset()
    Generation.objects.all().delete()
    UpstreamAccount.objects.all().delete()
    team, user = _author()
    port = spare_port()
    env = child_env(
        FLOWMUSIC_API_TOKEN=server.token,
        FLOWMUSIC_API_URL=server.flowmusic_url,
        PUBLIC_URL=f"http://127.0.0.1:{port}" if mode == "webhook" else None,
        PORT=str(port),
    )
    with ExitStack() as stack:
        stack.enter_context(gunicorn(port, env))
        stack.enter_context(qcluster(env))
        stack.enter_context(qcluster(env, INGEST))
        # One song at a time: the latency a user sees on a quiet instance.
        for i in range(SINGLE_SONGS):
            services.create_generation(team=team, author=user, prompt=PROMPTS[i % len(PROMPTS)])
            _wait_until_done(time.monotonic() + 120)
        single = _latencies()
        Generation.objects.all().delete()
        server.state.reset()
        # Then the burst: SONGS queued at once.
        started = time.monotonic()
        for i in range(SONGS):
            services.create_generation(team=team, author=user, prompt=PROMPTS[i % len(PROMPTS)])
        _wait_until_done(started + TIMEOUT)
        total = time.monotonic() - started
    _report(server, mode, single, total)


def _report(server: SimulatorServer, mode: str, single: list[float], total: float) -> None:
    prefix = f"pipeline.{mode}"
    p50_target, p95_target = TARGETS[mode]
    figure(
        f"{prefix}.one_song_completion_to_completed_p50", percentile(single, 50), "s", p50_target
    )
    latencies = _latencies()
    posts = [r for r in server.state.requests if r.route == "POST /music"]
    accepted = server.state.accepted_songs()
    refs = [str((r.json or {}).get("replyRef")) for r in accepted]
    done = Generation.objects.filter(status=Generation.Status.COMPLETED).count()
    figure(f"{prefix}.songs_completed", done, "songs", f"{SONGS}")
    figure(f"{prefix}.total_time", total, "s")
    figure(f"{prefix}.post_music_accepted", len(accepted), "requests", f"{SONGS}")
    figure(f"{prefix}.post_music_sent", len(posts), "requests", "429s retried, never a duplicate")
    figure(f"{prefix}.duplicate_submissions", len(refs) - len(set(refs)), "songs", "0")
    figure(
        f"{prefix}.max_running_per_account",
        max(server.state.max_running.values()),
        "jobs",
        f"<= maxJobs {MAX_JOBS}",
    )
    gets = sum(1 for r in server.state.requests if r.route == "GET /jobs/{jobid}")
    figure(f"{prefix}.job_lookups_per_song", gets / max(len(accepted), 1), "GET /jobs/{id}")
    before_p50, before_p95 = BEFORE[mode]
    name = f"{prefix}.burst_completion_to_completed"
    figure(f"{name}_p50_before_issue_17", before_p50, "s", p50_target)
    figure(f"{name}_p50", percentile(latencies, 50), "s", p50_target)
    figure(f"{name}_p95_before_issue_17", before_p95, "s", p95_target)
    figure(f"{name}_p95", percentile(latencies, 95), "s", p95_target)


def run() -> None:
    logging.getLogger("django-q").setLevel(logging.WARNING)
    accounts = [SimAccount(email, max_jobs=MAX_JOBS, credits=10**7) for email in ACCOUNTS]
    with SimulatorServer(latency=0.05, accounts=accounts) as server:
        for mode in ("webhook", "polling"):
            run_once(server, mode)
