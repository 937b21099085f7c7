"""The jobs half of ``SimulatorState``: accepting songs and edits, finding jobs and clips.

A mixin rather than an object of its own because one lock must guard accounts and jobs together:
accepting a job, charging its account and counting it against ``maxJobs`` happen at once.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from typing import Any

from studio.simulator import edits, stems
from studio.simulator.accounts import account_for_song
from studio.simulator.models import (
    FORBIDDEN,
    MODERATION_ERROR,
    SONG_USAGE,
    TOKENS_PER_CREDIT,
    ApiError,
    EditSpec,
    LoggedRequest,
    SimAccount,
    SimJob,
    iso,
)
from studio.simulator.seeds import seed_from

SEED_RANGE = 2_000_000_000


class JobBook:
    """Mixed into ``SimulatorState``, which owns (and resets) every attribute declared here."""

    _lock: threading.RLock
    _accounts: dict[str, SimAccount]
    _user_ids: dict[str, int]
    _jobs: dict[str, SimJob]
    _requests: list[LoggedRequest]
    _max_running: dict[str, int]
    _stems: dict[str, str]  # source clip id -> the jobid of its stems
    _usage: dict[str, list[dict[str, Any]]]  # email -> its usage events, oldest first
    latency: float
    song_cost: int
    edit_costs: dict[str, int]
    wake: threading.Event
    generation: int

    def accepted_songs(self) -> list[LoggedRequest]:
        """``POST /music`` requests that created a job (answered or not)."""
        return self._accepted("POST /music")

    def accepted_edits(self) -> list[LoggedRequest]:
        """``POST /music/edit`` requests that created a job (answered or not)."""
        return self._accepted("POST /music/edit")

    def _accepted(self, route: str) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self._requests if r.route == route and r.jobid]

    def running(self, email: str, now: float | None = None) -> list[SimJob]:
        now = time.time() if now is None else now
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.email == email and j.ready_at > now]
        return sorted(jobs, key=lambda j: j.created)

    def _new_id(self, email: str) -> tuple[str, str]:
        stem = str(uuid.uuid4())
        return f"user:{self._user_ids[email]}-{email}:{stem}", stem

    def _new_jobid(self, email: str) -> str:
        return f"job:{uuid.uuid4()}-user:{self._user_ids[email]}-{email}-bot:flowmusic"

    # -- accepting jobs --------------------------------------------------------------------
    def submit_song(
        self, request: dict[str, Any], email: str | None, ref_email: str | None, base_url: str
    ) -> SimJob:
        """Accept a validated ``POST /music`` body or raise the documented ApiError."""
        now = time.time()
        with self._lock:
            if email and ref_email and email != ref_email:
                raise ApiError(
                    400,
                    f"Parameter email ({email}) does not match the account of the reference "
                    f"assets ({ref_email})",
                )
            acct = self._account_for(email or ref_email, now)
            prompt = request["prompt"]
            takes = 1 if "single take" in prompt.lower() else 2
            seed = seed_from(f"{prompt}\n{request.get('lyrics') or ''}") % SEED_RANGE
            moderated = bool(FORBIDDEN.search(prompt))
            job = self._admit(acct, request, takes, seed, moderated, base_url, now)
        self.wake.set()
        return job

    def submit_edit(self, request: dict[str, Any], edit: EditSpec, base_url: str) -> SimJob:
        """Accept a validated ``POST /music/edit`` body on the source clip's own account (596,
        402 and 429 as for songs), charged ``edit_costs[operation]``; a moderated text makes a
        job that ends ``failed``."""
        now = time.time()
        cost = self.edit_costs[edit.operation]
        with self._lock:
            acct = self._account_for(edit.source.email, now, cost)
            texts = [v for v in edit.params.values() if isinstance(v, str)]
            moderated = any(FORBIDDEN.search(text) for text in texts)
            takes = edits.TAKES[edit.operation]
            seed = self._edit_seed(request, edit)
            job = self._admit(acct, request, takes, seed, moderated, base_url, now, edit, cost)
        self.wake.set()
        return job

    def submit_stems(
        self, request: dict[str, Any], edit: EditSpec, base_url: str
    ) -> tuple[SimJob, bool]:
        """The clip's stems job and whether it is new. A clip's first request makes one (as
        ``submit_edit``: 596 / 429, charged ``edit_costs["stems"]``), pending until
        ``finish_stems``; later ones get that job (unless it failed or was deleted), whatever
        its account's state."""
        now = time.time()
        clip = edit.source.clips[edit.slot]
        with self._lock:
            known = self._jobs.get(self._stems.get(clip, ""))
            if known is not None and not known.error:
                return known, False
            cost = self.edit_costs["stems"]
            acct = self._account_for(edit.source.email, now, cost)
            seed = self._edit_seed(request, edit)
            takes = edits.TAKES["stems"]
            job = self._admit(
                acct, request, takes, seed, False, base_url, now, edit, cost, delay=math.inf
            )
            job.notified = True  # upstream ignores replyUrl here: never a webhook
            self._stems[clip] = job.jobid
        return job, True

    def finish_stems(self, job: SimJob, failed: bool = False) -> None:
        """The stems are rendered (or could not be): complete the job, no sooner than the
        simulated separation time after its creation."""
        with self._lock:
            now = time.time()
            if failed:
                job.error = {"code": "stems_failed", "message": "stem separation failed"}
                job.ready_at = now
            else:
                job.ready_at = max(now, job.created + stems.STEMS_LATENCY * self.latency)

    def _edit_seed(self, request: dict[str, Any], edit: EditSpec) -> int:
        seed = request.get("seed")
        if seed is None:  # the same edit of the same clip sounds the same
            inputs = [edit.operation, edit.source.clips[edit.slot], edit.params]
            seed = seed_from(json.dumps(inputs, sort_keys=True)) % SEED_RANGE
        return seed

    def _account_for(self, email: str | None, now: float, cost: int | None = None) -> SimAccount:
        def load(address: str) -> int:
            return len(self.running(address, now))

        cost = self.song_cost if cost is None else cost
        return account_for_song(self._accounts, email, cost, load=load)

    def _admit(
        self, acct: SimAccount, request: dict[str, Any], takes: int, seed: int, moderated: bool,
        base_url: str, now: float, edit: EditSpec | None = None, cost: int | None = None,
        delay: float | None = None,
    ) -> SimJob:  # fmt: skip
        """Charge the account (``cost``, default ``song_cost``) and record a new job on it,
        pending for ``delay`` (default ``latency``) seconds (the caller holds the lock)."""
        jobid = self._new_jobid(acct.email)
        usage = edit.operation if edit else SONG_USAGE
        self._charge(acct, self.song_cost if cost is None else cost, usage, jobid, now)
        delay = max(0.0, float(self.latency)) if delay is None else delay
        job = SimJob(
            jobid=jobid,
            email=acct.email,
            created=now,
            ready_at=now + delay,
            request=dict(request),
            clips=[self._new_id(acct.email)[0] for _ in range(takes)],
            seed=seed,
            error=dict(MODERATION_ERROR) if moderated else None,
            base_url=base_url,
            edit=edit,
        )
        self._jobs[job.jobid] = job
        running = len(self.running(acct.email, now))
        self._max_running[acct.email] = max(self._max_running.get(acct.email, 0), running)
        return job

    def _charge(
        self, acct: SimAccount, cost: int, usage: str, jobid: str, now: float
    ) -> dict[str, Any] | None:
        """Debit the account and write the usage event (none for a free call). The charge is
        final: a job canceled or failed later keeps it, as upstream's does."""
        if cost <= 0:
            return None
        acct.credits -= cost
        event = {
            "id": f"usage:{uuid.uuid4()}",
            "jobid": jobid,
            "type": usage,
            "tokens": cost * TOKENS_PER_CREDIT,
            "credits": cost,
            "created_at": iso(now),
        }
        self._usage.setdefault(acct.email, []).append(event)
        return event

    # -- finding jobs and clips ------------------------------------------------------------
    def job(self, jobid: str) -> SimJob | None:
        with self._lock:
            return self._jobs.get(jobid)

    def delete_job(self, jobid: str) -> bool:
        with self._lock:
            return self._jobs.pop(jobid, None) is not None

    def jobs(self) -> list[SimJob]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created)

    def find_clip(self, clip_id: str) -> tuple[SimJob, int] | None:
        """The completed job (song or edit) a clip id belongs to, and the clip's number in it."""
        now = time.time()
        with self._lock:
            for job in self._jobs.values():
                if clip_id in job.clips and job.status(now) == "completed":
                    return job, job.clips.index(clip_id)
        return None

    def due_jobs(self, now: float) -> tuple[list[SimJob], float | None, int]:
        """Jobs that just turned terminal (marked notified), the next deadline, the generation."""
        due, next_at = [], None
        with self._lock:
            for job in self._jobs.values():
                if job.notified:
                    continue
                if job.ready_at <= now:
                    job.notified = True
                    due.append(job)
                elif next_at is None or job.ready_at < next_at:
                    next_at = job.ready_at
            return due, next_at, self.generation
