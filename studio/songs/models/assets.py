"""Reference assets: cover art (and the jobs that generate it), reference audio, and the
upstream asset id of each on every account."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from studio.songs.models.side_jobs import COMPLETED, FAILED, PENDING, SideJob


class CoverArt(models.Model):
    """An image usable as a song's reference (cover art or extra reference image)."""

    class Provider(models.TextChoices):
        FLOWMUSIC = "flowmusic", "Flow Music"
        RSFLOWHUB = "rsflowhub", "rsflowhub"
        UPLOAD = "upload", "Upload"

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    prompt = models.TextField(blank=True)
    provider = models.CharField(max_length=12, choices=Provider.choices)
    # The asset id on the account that first received it (more accounts: AccountAsset).
    asset_id = models.CharField(max_length=300, blank=True)
    account_email = models.CharField(max_length=254, blank=True)
    image = models.FileField(upload_to="covers/%Y/%m/")
    content_type = models.CharField(max_length=50, default="image/jpeg")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} image {self.pk}"


class ReferenceAudio(models.Model):
    """An uploaded audio reference (experimental upstream: it may not influence the song)."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    audio = models.FileField(upload_to="references/%Y/%m/")
    content_type = models.CharField(max_length=50)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class AccountAsset(models.Model):
    """Upstream asset ids are tied to one account; this maps our file to its id per account."""

    cover_art = models.ForeignKey(CoverArt, null=True, blank=True, on_delete=models.CASCADE)
    reference_audio = models.ForeignKey(
        ReferenceAudio, null=True, blank=True, on_delete=models.CASCADE
    )
    account_email = models.CharField(max_length=254)
    asset_id = models.CharField(max_length=300)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cover_art", "account_email"], name="one_image_asset_per_account"
            ),
            models.UniqueConstraint(
                fields=["reference_audio", "account_email"], name="one_audio_asset_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} on {self.account_email}"


class CoverArtJob(SideJob):
    """One "Generate cover art" request, run in the background; its images become CoverArt rows."""

    class Status(models.TextChoices):
        PENDING = PENDING, "Generating cover art…"
        COMPLETED = COMPLETED, "Ready"
        FAILED = FAILED, "Failed"

    provider = models.CharField(max_length=12, choices=CoverArt.Provider.choices)
    prompt = models.TextField()
    # rsflowhub only: style, size ("1024x1024") and how many images (1-4).
    style = models.CharField(max_length=30, blank=True)
    size = models.CharField(max_length=20, blank=True)
    count = models.PositiveSmallIntegerField(default=1)

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    cover_ids = models.JSONField(default=list, blank=True)  # the CoverArt rows made, in order
    credits_used = models.IntegerField(null=True, blank=True)

    class Meta(SideJob.Meta):
        pass

    def __str__(self) -> str:
        return f"Cover art job {self.pk} ({self.status})"
