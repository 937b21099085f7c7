"""Keeping our picture of credits current: balances after each job and on a schedule, and the
ledger reconciled with the upstream's usage (driven by the reconciler loop)."""

from __future__ import annotations

import logging
import time

from studio.flowmusic import FlowMusicClient, UpstreamError
from studio.songs.credits import balances, ledger
from studio.songs.models import UpstreamAccount
from studio.songs.pipeline import accounts

log = logging.getLogger(__name__)

SYNC_EVERY = 60.0  # seconds between full reads of balances and usage
_last_sync = 0.0


def _healthy():
    return UpstreamAccount.objects.filter(present=True, error="")


def refresh_stale_balances(client: FlowMusicClient) -> None:
    """Read again the balance of each account a job was accepted on since it was last read."""
    accounts.refresh_credits(client, list(_healthy().filter(credits_read__isnull=True)))


def sync(client: FlowMusicClient) -> int:
    """Every healthy account's balance and new usage events; returns the new ledger lines."""
    added = 0
    healthy = list(_healthy())
    accounts.refresh_credits(client, healthy)
    for account in healthy:
        try:
            usage = client.get_usage(account.email)
        except UpstreamError as exc:
            log.info("credits: no usage for %s: %s", account.email, exc.message)
            continue
        added += ledger.reconcile(account.email, usage)
    balances.prune()
    return added


def sync_if_due(client: FlowMusicClient) -> None:
    global _last_sync
    if time.monotonic() - _last_sync < SYNC_EVERY:
        return
    _last_sync = time.monotonic()
    sync(client)
