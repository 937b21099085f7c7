"""Everything the simulator remembers: accounts, jobs, assets, configuration, logs, faults.

Framework-free and thread-safe (one lock); accepting and finding jobs lives in ``jobs.py`` (a
mixin), the HTTP layer in ``app.py``, the background work (deadlines, pre-rendering, webhooks) in
``webhooks.py``, which this state starts.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from studio.simulator import media, records
from studio.simulator.accounts import account_for_assets
from studio.simulator.faults import Fault, FaultQueue
from studio.simulator.jobs import JobBook
from studio.simulator.models import (
    DEFAULT_TOKEN,
    EDIT_COSTS,
    NO_CREDITS_MESSAGE,
    ApiError,
    LoggedRequest,
    SimAccount,
    SimAsset,
    SimJob,
    WebhookAttempt,
    default_accounts,
)
from studio.simulator.webhooks import Ticker

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "LoggedRequest",
    "SimAccount",
    "SimAsset",
    "SimJob",
    "SimulatorState",
    "WebhookAttempt",
    "default_accounts",
]


class SimulatorState(JobBook):
    """The simulated upstream. Config attributes may be changed at any time; ``reset()`` restores
    what the constructor was given."""

    latency: float  # seconds from acceptance to completion
    media_ttl: float  # lifetime of signed media URLs, seconds
    song_cost: int  # credits per accepted song
    edit_costs: dict[str, int]  # credits per accepted edit, by operation (0: free)
    rsflowhub_credits: int
    webhook_backoff: tuple[float, ...]  # pause before each retry; its length = retries
    webhooks_enabled: bool
    webhook_repeat: int  # deliver every webhook this many times
    # Hostile mode: (job, record) -> the record as sent (a broken or malicious upstream).
    hostile: Callable[[SimJob, dict], dict] | None

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        accounts: list[SimAccount] | None = None,
        *,
        latency: float = 4.0,
        media_ttl: float = 3600,
        song_cost: int = 10,
        edit_costs: dict[str, int] | None = None,
        rsflowhub_credits: int = 1000,
        webhook_backoff: tuple[float, ...] = (0.2, 0.5, 1.0),
        media_dir: Path | None = None,
        reply_url_prefixes: tuple[str, ...] | None = None,
    ) -> None:
        self.token = token
        # None: any http(s) replyUrl (standalone); else only URLs under these prefixes.
        self.reply_url_prefixes = reply_url_prefixes
        self._lock = threading.RLock()
        initial = default_accounts() if accounts is None else accounts
        self._initial_accounts = [replace(a) for a in initial]
        self._defaults = dict(
            latency=latency,
            media_ttl=media_ttl,
            song_cost=song_cost,
            edit_costs=dict(EDIT_COSTS if edit_costs is None else edit_costs),
            rsflowhub_credits=rsflowhub_credits,
            webhook_backoff=tuple(webhook_backoff),
            webhooks_enabled=True,
            webhook_repeat=1,
            hostile=None,
        )
        self.secret = uuid.uuid4().bytes + uuid.uuid4().bytes
        self.media = media.MediaStore(media_dir)
        self.faults = FaultQueue(self._lock)
        self.generation = 0  # bumped by reset(): stale webhook deliveries stop
        self.wake = threading.Event()  # set on a new job: the ticker looks at deadlines again
        self.closed = threading.Event()  # set by close(): the background threads stop
        self.reset()
        self._ticker = Ticker(self)
        self._ticker.start()

    # -- lifecycle -------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget jobs, assets, logs and faults; restore accounts and configuration."""
        with self._lock:
            self.generation += 1
            for key, value in self._defaults.items():
                setattr(self, key, copy.copy(value))  # a test's edit_costs change stays its own
            self._accounts = {a.email: replace(a) for a in self._initial_accounts}
            self._grants = {a.email: a.credits for a in self._initial_accounts}
            self._usage: dict[str, list[dict[str, Any]]] = {}
            self._user_ids = {email: 1001 + i for i, email in enumerate(self._accounts)}
            self._jobs: dict[str, SimJob] = {}
            self._assets: dict[str, SimAsset] = {}
            self._requests: list[LoggedRequest] = []
            self._webhook_log: list[WebhookAttempt] = []
            self._max_running: dict[str, int] = {}
            self._stems: dict[str, str] = {}
            self.faults.clear()
            self.media.clear()

    def close(self) -> None:
        self.closed.set()
        self.wake.set()
        self.media.close()

    # -- configuration and inspection ------------------------------------------------------
    def inject(self, route: str, action: str, count: int = 1, delay: float = 0) -> Fault:
        """Make the next ``count`` calls to ``route`` misbehave (see the package docstring)."""
        return self.faults.add(route, action, count, delay)

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def webhook_log(self) -> list[WebhookAttempt]:
        with self._lock:
            return list(self._webhook_log)

    @property
    def max_running(self) -> dict[str, int]:
        """Per account, the most jobs ever pending at the same time."""
        with self._lock:
            return dict(self._max_running)

    def log_request(self, entry: LoggedRequest) -> LoggedRequest:
        with self._lock:
            self._requests.append(entry)
        return entry

    def log_webhook(self, attempt: WebhookAttempt, generation: int) -> None:
        with self._lock:
            if generation == self.generation:
                self._webhook_log.append(attempt)

    # -- accounts --------------------------------------------------------------------------
    @property
    def accounts(self) -> list[SimAccount]:
        with self._lock:
            return [replace(a) for a in self._accounts.values()]

    def account(self, email: str) -> SimAccount | None:
        with self._lock:
            found = self._accounts.get(email)
            return replace(found) if found else None

    def set_account(self, email: str, **changes: Any) -> None:
        """Change a live account, e.g. ``set_account("bob@example.com", credits=0)``."""
        with self._lock:
            acct = self._accounts[email]
            for key, value in changes.items():
                setattr(acct, key, value)

    # -- usage ledger (charges: jobs.py) ---------------------------------------------------
    def usage(self, email: str) -> list[dict[str, Any]]:
        """Copies of the account's usage events, oldest first."""
        with self._lock:
            return [dict(event) for event in self._usage.get(email, ())]

    def usage_snapshot(self, email: str) -> tuple[SimAccount, list[dict[str, Any]], int] | None:
        """The account, its events and its initial grant (credits), read together; None when
        the account is unknown."""
        with self._lock:
            acct = self._accounts.get(email)
            if acct is None:
                return None
            return replace(acct), self.usage(email), self._grants.get(email, 0)

    def charge_foreign(self, email: str, credits: int, type: str = "music") -> dict[str, Any]:
        """Test hook: another client of the same upstream account spent ``credits`` on a job our
        app never saw (its jobid is in the usual format but unknown here). Returns the event."""
        if credits <= 0:
            raise ValueError("credits must be positive")
        with self._lock:
            acct = self._accounts[email]
            if acct.credits < credits:
                raise ApiError(402, NO_CREDITS_MESSAGE)
            event = self._charge(acct, credits, type, self._new_jobid(email), time.time())
            assert event is not None
            return dict(event)

    def usable_account(self, email: str | None) -> SimAccount:
        """The account for a non-song call (image generation, upload): 400 / 596 as documented."""
        with self._lock:
            return replace(account_for_assets(self._accounts, email))

    # -- jobs (accepting and finding them: jobs.py) ----------------------------------------
    def job_record(self, job: SimJob, base_url: str, prefix: str = "/v1/flowmusic") -> dict:
        """The documented job record; renders the clips (once) when the job is completed.
        In hostile mode (`hostile` set, tests only) the record is rewritten as it leaves."""
        record = records.job_record(job, self.media, partial(self.media_url, base_url, prefix))
        return self.hostile(job, copy.deepcopy(record)) if self.hostile else record

    def prerender(self, job: SimJob) -> None:
        """Render a job's clips now (a failed job has none), pending or not."""
        for slot in range(0 if job.error else len(job.clips)):
            self.clip_media(job, slot)

    def prefetch(self, job: SimJob) -> None:
        """Have a background worker render a new job's clips before it completes."""
        self._ticker.prefetch(job, self.generation)

    def clip_media(self, job: SimJob, slot: int) -> media.ClipMedia:
        """The rendered media of a job's clip number ``slot`` (rendered now if not yet)."""
        return records.clip_media(job, slot, self.media)

    # -- assets and media ------------------------------------------------------------------
    def add_asset(self, email: str, kind: str, content_type: str, ext: str, **extra: Any):
        """Register a new asset; returns it and the path its bytes must be written to."""
        with self._lock:
            asset_id, stem = self._new_id(email)
            asset = SimAsset(asset_id, email, kind, content_type, f"{stem}.{ext}", **extra)
            self._assets[asset_id] = asset
        self.media.add(asset.name, "file", content_type)
        return asset, self.media.path_for(asset.name)

    def asset(self, asset_id: str) -> SimAsset | None:
        with self._lock:
            return self._assets.get(asset_id)

    def media_url(self, base_url: str, prefix: str, kind: str, name: str) -> str:
        expires = int(time.time() + self.media_ttl)
        sig = media.sign(self.secret, kind, name, expires)
        return f"{base_url}{prefix}/_media/{kind}/{name}?expires={expires}&sig={sig}"

    def charge_images(self, cost: int) -> int:
        """Spend rsflowhub credits; returns what remains (402 when short)."""
        with self._lock:
            if self.rsflowhub_credits < cost:
                raise ApiError(402, "Insufficient credits")
            self.rsflowhub_credits -= cost
            return self.rsflowhub_credits
