"""State changes for teams: first account, invitations, membership."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from studio.teams.models import Invitation, Membership, Team


class InvitationUnusable(Exception):
    """The link expired or was already used."""


@transaction.atomic
def create_first_account(form) -> Membership:
    user = form.save()
    team = Team.objects.create(name=form.cleaned_data["team_name"])
    return Membership.objects.create(user=user, team=team, role=Membership.Role.OWNER)


@transaction.atomic
def accept_invitation(token: str, form) -> Membership:
    # Lock the row so two sign-ups racing on one link cannot both succeed.
    invitation = Invitation.objects.select_for_update().get(token=token)
    if not invitation.is_usable:
        raise InvitationUnusable()
    user = form.save()
    invitation.used_by = user
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_by", "used_at"])
    return Membership.objects.create(user=user, team=invitation.team)


def remove_member(team: Team, membership_id: int, acting_user) -> Membership:
    membership = Membership.objects.select_related("user").get(pk=membership_id, team=team)
    if membership.user_id == acting_user.pk:
        raise ValueError("You cannot remove yourself.")
    user = membership.user
    membership.delete()
    # The account stays (their songs keep an author) but can no longer sign in.
    user.is_active = False
    user.save(update_fields=["is_active"])
    return membership
