from __future__ import annotations

from studio.teams.access import membership_for


def team(request):
    membership = membership_for(request.user)
    return {"membership": membership, "team": membership.team if membership else None}
