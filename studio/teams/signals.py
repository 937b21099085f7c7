"""A superuser made with `createsuperuser` joins the instance's first team as an owner; a
sign-in clears its username's failed attempts."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from studio.teams import throttle
from studio.teams.models import Membership, Team


@receiver(post_save, sender=get_user_model())
def attach_superuser_to_first_team(sender, instance, created, **kwargs):
    if not instance.is_superuser or Membership.objects.filter(user=instance).exists():
        return
    team = Team.objects.order_by("pk").first() or Team.objects.create(name="Studio")
    Membership.objects.create(user=instance, team=team, role=Membership.Role.OWNER)


@receiver(user_logged_in)
def forget_failed_logins(sender, request, user, **kwargs):
    throttle.forget_failures(user.get_username())
