"""Songs: what a user asked for (Generation), what came back (Clip), and reference assets."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


def _webhook_token() -> str:
    return secrets.token_urlsafe(32)


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


class UpstreamAccount(models.Model):
    """A Flow Music account as last seen in GET /accounts (cached briefly)."""

    email = models.CharField(max_length=254, primary_key=True)
    max_jobs = models.PositiveIntegerField(default=1)
    error = models.TextField(blank=True)
    credits_remaining = models.IntegerField(null=True, blank=True)
    present = models.BooleanField(default=True)
    refreshed = models.DateTimeField()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def can_take_songs(self) -> bool:
        return not self.error and self.credits_remaining != 0


class Generation(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SUBMITTING = "submitting", "Submitting"
        RUNNING = "running", "Generating"
        FETCHING = "fetching", "Saving files"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"
        UNKNOWN = "unknown", "Outcome unknown"

    ACTIVE = (Status.QUEUED, Status.SUBMITTING, Status.RUNNING, Status.FETCHING)

    class Ghostwriter(models.TextChoices):
        STANDARD = "standard", "Standard"
        PRO = "pro", "Pro"

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    prompt = models.TextField()
    lyrics = models.TextField(blank=True)
    instrumental = models.BooleanField(default=False)
    ghostwriter = models.CharField(max_length=10, choices=Ghostwriter.choices, blank=True)
    cover_art = models.ForeignKey(
        CoverArt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Extra references, in order: CoverArt ids after the cover, ReferenceAudio ids.
    extra_image_ids = models.JSONField(default=list, blank=True)
    reference_audio_ids = models.JSONField(default=list, blank=True)
    # What the user chose ("" = Auto) and the account the job actually runs on.
    account_choice = models.CharField(max_length=254, blank=True)
    account_email = models.CharField(max_length=254, blank=True)

    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    jobid = models.CharField(max_length=300, unique=True, null=True, blank=True)
    submit_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook_token = models.CharField(max_length=64, unique=True, default=_webhook_token)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    request = models.JSONField(default=dict, blank=True)  # the body sent to POST /music
    # The last job record read back from the upstream.
    result = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Lowercased prompt, clip titles and lyrics, for the library search (songs/search.py).
    search_text = models.TextField(blank=True, editable=False)
    retried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Retries of "not accepted" answers (429, nothing sent) wait until this time.
    not_before = models.DateTimeField(null=True, blank=True)
    rate_limited = models.PositiveIntegerField(default=0)
    submit_started = models.DateTimeField(null=True, blank=True)  # written before POST /music
    accepted = models.DateTimeField(null=True, blank=True)
    next_poll = models.DateTimeField(null=True, blank=True)
    poll_interval = models.FloatField(default=5.0)
    upstream_completed = models.DateTimeField(null=True, blank=True)
    fetch_attempts = models.PositiveIntegerField(default=0)
    finished = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["team", "-created"], name="generation_team_created"),
            # The library: a team's completed songs, newest first (its count reads only this),
            # and "mine only".
            models.Index(fields=["team", "status", "-created", "-id"], name="generation_library"),
            models.Index(fields=["author", "status", "-created", "-id"], name="generation_author"),
        ]

    def __str__(self) -> str:
        return f"Generation {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class Clip(models.Model):
    class Slot(models.TextChoices):
        A = "A", "A"
        B = "B", "B"

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="clips")
    slot = models.CharField(max_length=1, choices=Slot.choices)
    clip_id = models.CharField(max_length=300, unique=True)
    title = models.CharField(max_length=200, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    lyrics = models.TextField(blank=True)
    lyrics_timing = models.JSONField(null=True, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    # Upstream's signed URLs: only used to fetch our copies, never shown.
    audio_url = models.TextField(blank=True)
    wav_url = models.TextField(blank=True)
    image_url = models.TextField(blank=True)
    audio = models.FileField(upload_to="clips/%Y/%m/", blank=True)
    wav = models.FileField(upload_to="clips/%Y/%m/", blank=True)
    image = models.FileField(upload_to="clips/%Y/%m/", blank=True)
    peaks = models.JSONField(default=list, blank=True)
    is_pick = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["generation", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["generation", "slot"], name="one_clip_per_slot")
        ]
        indexes = [
            # "Picks only": the few picked clips, without reading every clip row.
            models.Index(
                fields=["generation"], condition=models.Q(is_pick=True), name="clip_picks"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title or 'Untitled'} ({self.slot})"


class Lease(models.Model):
    """A named lock with an expiry, so only one reconciler loop runs across all workers."""

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    expires = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} until {self.expires}"


class CoverArtJob(models.Model):
    """One "Generate cover art" request, run in the background; its images become CoverArt rows."""

    class Status(models.TextChoices):
        PENDING = "pending", "Generating cover art…"
        COMPLETED = "completed", "Ready"
        FAILED = "failed", "Failed"

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    provider = models.CharField(max_length=12, choices=CoverArt.Provider.choices)
    prompt = models.TextField()
    # rsflowhub only: style, size ("1024x1024") and how many images (1-4).
    style = models.CharField(max_length=30, blank=True)
    size = models.CharField(max_length=20, blank=True)
    count = models.PositiveSmallIntegerField(default=1)
    account_choice = models.CharField(max_length=254, blank=True)  # "" = Auto

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    cover_ids = models.JSONField(default=list, blank=True)  # the CoverArt rows made, in order
    credits_used = models.IntegerField(null=True, blank=True)
    started = models.DateTimeField(null=True, blank=True)  # written before the upstream call
    finished = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"Cover art job {self.pk} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
