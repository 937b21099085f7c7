"""The team's credits left, in the header of every signed-in page (one query)."""

from __future__ import annotations

from studio.songs.credits import balances, costs


def credits(request):
    if not request.user.is_authenticated:
        return {}
    left = balances.team_left()
    return {
        "team_credits": None if left is None else f"{left:,}",
        "credits_low": left is not None and left < costs.LOW_CREDITS,
    }
