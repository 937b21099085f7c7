"""Which account takes a call, and the documented errors when none can (400, 402, 429, 596).

Rules over the state's live accounts; the caller holds the state's lock.
"""

from __future__ import annotations

from collections.abc import Callable

from studio.simulator.models import BUSY_MESSAGE, NO_CREDITS_MESSAGE, ApiError, SimAccount


def healthy_account(accounts: dict[str, SimAccount], email: str) -> SimAccount:
    """The account with this email: 400 when it is not configured, 596 when it is in error."""
    acct = accounts.get(email)
    if acct is None:
        raise ApiError(400, f"Account {email} is not configured")
    if acct.error:
        raise ApiError(596, f"Account {email} in error state: {acct.error}")
    return acct


def can_pay(acct: SimAccount, cost: int) -> bool:
    """A free call (cost 0) never answers 402, whatever the balance."""
    return cost <= 0 or acct.credits >= cost


def account_for_assets(accounts: dict[str, SimAccount], email: str | None) -> SimAccount:
    """The account for a non-song call (image generation, upload): the given one, else the first
    healthy one."""
    if email is not None:
        return healthy_account(accounts, email)
    for acct in accounts.values():
        if not acct.error:
            return acct
    raise ApiError(400, "No usable FlowMusic account configured")


def account_for_song(
    accounts: dict[str, SimAccount], email: str | None, cost: int, load: Callable[[str], int]
) -> SimAccount:
    """The account a new song goes to: the given one, else the least loaded funded healthy one.

    ``load(email)`` is how many jobs are pending on that account.
    """
    if email:
        acct = healthy_account(accounts, email)
        if not can_pay(acct, cost):
            raise ApiError(402, NO_CREDITS_MESSAGE)
        if load(email) >= acct.max_jobs:
            raise ApiError(429, BUSY_MESSAGE)
        return acct
    if not accounts:
        raise ApiError(400, "No FlowMusic account configured")
    healthy = [a for a in accounts.values() if not a.error]
    if not healthy:
        first = next(iter(accounts.values()))
        raise ApiError(596, f"Account {first.email} in error state: {first.error}")
    funded = [a for a in healthy if can_pay(a, cost)]
    if not funded:
        raise ApiError(402, NO_CREDITS_MESSAGE)
    pending = {a.email: load(a.email) for a in funded}
    free = [a for a in funded if pending[a.email] < a.max_jobs]
    if not free:
        raise ApiError(
            429,
            f"All {len(funded)} FlowMusic accounts are at their maxJobs concurrency limit "
            "\u2014 retry shortly",
        )
    return min(free, key=lambda a: pending[a.email] / a.max_jobs)
