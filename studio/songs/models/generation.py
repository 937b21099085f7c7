"""Songs and edits: what a user asked for (Generation), what happened to it (GenerationEvent)
and what came back (Clip)."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


def _webhook_token() -> str:
    return secrets.token_urlsafe(32)


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

    class Operation(models.TextChoices):
        """A song (POST /music) or an edit of a take (POST /music/edit)."""

        SONG = "song", "Song"
        EXTEND = "extend", "Extend"
        REPLACE = "replace", "Replace section"
        COVER = "cover", "Cover"
        REMIX = "remix", "Remix"
        EFFECT = "effect", "Effect"
        STEMS = "stems", "Stems"

    class Model(models.TextChoices):
        # Flow Music's default when the field is omitted is the older one: always send it.
        LYRIA_3_PRO = "lyria-3-pro", "Lyria 3 Pro"
        LYRIA_3_5 = "lyria-3.5", "Lyria 3.5"

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    operation = models.CharField(max_length=10, choices=Operation.choices, default=Operation.SONG)
    # An edit's take, and the song at the root of its versions tree (null for a song).
    source_clip = models.ForeignKey(
        "songs.Clip", null=True, blank=True, on_delete=models.SET_NULL, related_name="edits"
    )
    origin = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="versions"
    )
    # Ours for a song (POST /music has no title field: the takes are named after it); sent
    # as `title` with an edit. "" = the upstream's own title.
    title = models.CharField(max_length=200, blank=True)
    model = models.CharField(max_length=20, choices=Model.choices, blank=True)
    instruction = models.TextField(blank=True)  # an edit's direction (extend, replace, cover)
    # An edit's numbers as sent: extend_s, extend_from_s, mask_start_s, mask_end_s, strength.
    options = models.JSONField(default=dict, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)  # pins an edit's result
    prompt = models.TextField(blank=True)
    lyrics = models.TextField(blank=True)
    instrumental = models.BooleanField(default=False)
    ghostwriter = models.CharField(max_length=10, choices=Ghostwriter.choices, blank=True)
    cover_art = models.ForeignKey(
        "songs.CoverArt", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
    request = models.JSONField(default=dict, blank=True)  # the body sent to POST /music(/edit)
    # The last job record read back from the upstream.
    result = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Lowercased prompt, clip titles and lyrics, for the library search (songs/search.py).
    search_text = models.TextField(blank=True, editable=False)
    # Likes of its takes, kept by studio/together/likes.py: "Most liked" sorts by an index.
    like_count = models.PositiveIntegerField(default=0, editable=False)
    retried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Retries of "not accepted" answers (429, nothing sent) wait until this time.
    not_before = models.DateTimeField(null=True, blank=True)
    rate_limited = models.PositiveIntegerField(default=0)
    submit_started = models.DateTimeField(null=True, blank=True)  # written before POST /music
    # What this job costs its author's budget: the expected cost from the claim, the upstream's
    # charge once its ledger shows it; None when nothing was (or will be) spent.
    credits = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
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
            models.Index(
                fields=["team", "status", "-like_count", "-created", "-id"],
                name="generation_most_liked",
            ),
        ]

    def __str__(self) -> str:
        return f"Generation {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_edit(self) -> bool:
        return self.operation != self.Operation.SONG


class GenerationEvent(models.Model):
    """One status change of a generation, written by studio/songs/lifecycle.py: its History."""

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)  # "" for the first event
    to_status = models.CharField(max_length=12, choices=Generation.Status.choices)
    # What the user should read beside the time ("sent to alice@…", "429, retry in 20 s").
    detail = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.generation_id}: {self.from_status or '-'} → {self.to_status}"


class Clip(models.Model):
    class Slot(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        # The four stems of a take (operation stems), in mixer order.
        DRUMS = "drums", "Drums"
        BASS = "bass", "Bass"
        VOCALS = "vocals", "Vocals"
        OTHER = "other", "Other"

    TAKES = (Slot.A, Slot.B)
    STEMS = (Slot.DRUMS, Slot.BASS, Slot.VOCALS, Slot.OTHER)

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="clips")
    slot = models.CharField(max_length=10, choices=Slot.choices)
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
    # Measured from the WAV once its song completes (pipeline/loudness.py); null until then, or
    # when it cannot be (silence, too short). The player matches takes' loudness with them.
    loudness_lufs = models.FloatField(null=True, blank=True)  # integrated, ITU-R BS.1770
    true_peak_db = models.FloatField(null=True, blank=True)  # dBTP, 4x oversampled
    # Analysed in the worker after ingest (pipeline/analysis.py); null until then or when the
    # audio has no clear beat or key.
    tempo_bpm = models.FloatField(null=True, blank=True, db_index=True)
    key = models.CharField(max_length=12, blank=True)  # e.g. "A minor", "F# major"
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
            # The tempo and key filters, from the index alone: a clip row is long (lyrics,
            # waveform) and these columns come last in it. Song by song, and by key.
            models.Index(fields=["generation", "key", "tempo_bpm"], name="clip_music_by_song"),
            models.Index(fields=["key", "tempo_bpm", "generation"], name="clip_music"),
        ]

    def __str__(self) -> str:
        return f"{self.title or 'Untitled'} ({self.slot})"

    @property
    def take_name(self) -> str:
        """ "Take A", or "Drums stem"."""
        if self.slot in self.STEMS:
            return f"{self.get_slot_display()} stem"
        return f"Take {self.slot}"
