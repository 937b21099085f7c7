from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def _share_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits: unguessable


class ShareLink(models.Model):
    """A public, read-only link to one completed song, until it expires or is revoked.

    The token is the only secret: it is never logged (studio.ops.logmask masks /s/<token>).
    """

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    generation = models.ForeignKey(
        "songs.Generation", on_delete=models.CASCADE, related_name="share_links"
    )
    token = models.CharField(max_length=64, unique=True, default=_share_token)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(null=True, blank=True)  # null: never
    allow_download = models.BooleanField(default=False)
    revoked = models.DateTimeField(null=True, blank=True)
    views = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Share link of {self.generation}"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked is None and (self.expires is None or self.expires > now)
