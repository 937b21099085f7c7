"""Who belongs to which team; every team-scoped query starts from here."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from studio.teams.models import Membership, Team


def membership_for(user) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    # Cached on the user object: one query per request, however often it is asked.
    if not hasattr(user, "_studio_membership"):
        user._studio_membership = (
            Membership.objects.select_related("team").filter(user=user).first()
        )
    return user._studio_membership


def team_for(user) -> Team:
    """The requesting user's team; a signed-in user without one sees nothing (404)."""
    membership = membership_for(user)
    if membership is None:
        raise Http404("You are not a member of any team.")
    return membership.team


def owner_required(view):
    """Only the team's owners may do this; members get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = membership_for(request.user)
        if membership is None or not membership.is_owner:
            raise PermissionDenied("Only the team's owners can do this.")
        return view(request, *args, **kwargs)

    return wrapper
