from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from studio.teams import services
from studio.teams.access import owner_required, team_for
from studio.teams.forms import FirstAccountForm, SignUpForm
from studio.teams.models import Invitation, Membership


class LogoutView(auth_views.LogoutView):
    """Django's logout, also asking the browser to drop this site's storage: the compose drafts
    (nothing else is kept there). Browsers honour it over HTTPS and on localhost; elsewhere
    static/js/logout.js removes the drafts itself."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"storage"'
        return response


@login_not_required
def first_run(request):
    if get_user_model().objects.exists():
        return redirect("login")
    form = FirstAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        membership = services.create_first_account(form)
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome! You own the team “{membership.team}”.")
        return redirect("library")
    return render(request, "teams/first_run.html", {"form": form})


@login_not_required
def invitation_signup(request, token: str):
    invitation = Invitation.objects.select_related("team").filter(token=token).first()
    if invitation is None:
        raise Http404("This invitation link does not exist.")
    if not invitation.is_usable:
        return render(
            request, "teams/invitation_unusable.html", {"invitation": invitation}, status=410
        )
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.accept_invitation(token, form)
        except services.InvitationUnusable:
            return render(
                request, "teams/invitation_unusable.html", {"invitation": invitation}, status=410
            )
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to {membership.team}!")
        return redirect("library")
    return render(request, "teams/invitation_signup.html", {"form": form, "invitation": invitation})


def team_page(request):
    team = team_for(request.user)
    context = {
        "members": team.memberships.select_related("user").order_by("joined"),
        "invitations": team.invitations.filter(used_at__isnull=True).select_related("created_by"),
    }
    return render(request, "teams/team.html", context)


@require_POST
@owner_required
def create_invitation(request):
    team = team_for(request.user)
    invitation = Invitation.objects.create(team=team, created_by=request.user)
    link = request.build_absolute_uri(invitation_url(invitation))
    messages.success(request, f"Invitation link (valid 7 days, single use): {link}")
    return redirect("team")


@require_POST
@owner_required
def revoke_invitation(request, pk: int):
    invitation = get_object_or_404(Invitation, pk=pk, team=team_for(request.user))
    invitation.delete()
    messages.success(request, "Invitation revoked.")
    return redirect("team")


@require_http_methods(["GET", "POST"])
@owner_required
def remove_member(request, pk: int):
    """GET: "Remove tom from Band?", a page of its own; POST: remove them."""
    team = team_for(request.user)
    if request.method == "GET":
        membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk, team=team)
        return render(request, "teams/remove_member.html", {"member": membership, "team": team})
    try:
        membership = services.remove_member(team, pk, request.user)
    except Membership.DoesNotExist:
        raise Http404("No such member.") from None
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("team")
    messages.success(request, f"{membership.user.username} was removed from the team.")
    return redirect("team")


def invitation_url(invitation: Invitation) -> str:
    return reverse("invitation_signup", args=[invitation.token])
