"""The typed body of Flow Music's POST /music."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .fields import optional_str

MAX_REFS = 10


@dataclass(frozen=True)
class SongRequest:
    """The body of POST /music; always sent in async mode (a dropped sync call loses the song)."""

    prompt: str
    lyrics: str | None = None
    instrumental: bool | None = None
    ghostwriter: str | None = None
    email: str | None = None
    model: str | None = None
    ref_images: tuple[str, ...] = ()
    ref_audios: tuple[str, ...] = ()
    reply_url: str | None = None
    reply_ref: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"prompt": self.prompt, "mode": "async"}
        optional = {
            "lyrics": self.lyrics,
            "instrumental": self.instrumental,
            "ghostwriter": self.ghostwriter,
            "email": self.email,
            "model": self.model,
            "replyUrl": self.reply_url,
            "replyRef": self.reply_ref,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        for prefix, refs in (("refImage", self.ref_images), ("refAudio", self.ref_audios)):
            if len(refs) > MAX_REFS:
                raise ValueError(f"At most {MAX_REFS} {prefix} references, got {len(refs)}")
            for number, asset_id in enumerate(refs, start=1):
                body[f"{prefix}{number}"] = asset_id
        return body

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SongRequest:
        """Read a request back, e.g. the `request` echoed in a job record."""

        def refs(prefix: str) -> tuple[str, ...]:
            found = (optional_str(data.get(f"{prefix}{n}")) for n in range(1, MAX_REFS + 1))
            return tuple(ref for ref in found if ref)

        instrumental = data.get("instrumental")
        return cls(
            prompt=optional_str(data.get("prompt")) or "",
            lyrics=optional_str(data.get("lyrics")),
            instrumental=instrumental if isinstance(instrumental, bool) else None,
            ghostwriter=optional_str(data.get("ghostwriter")),
            email=optional_str(data.get("email")),
            model=optional_str(data.get("model")),
            ref_images=refs("refImage"),
            ref_audios=refs("refAudio"),
            reply_url=optional_str(data.get("replyUrl")),
            reply_ref=optional_str(data.get("replyRef")),
        )


#: Each effect and the fields it reads (the upstream ignores the others).
EFFECT_FIELDS: dict[str, tuple[str, ...]] = {
    "Trim": ("start_s", "end_s"),
    "Fade": ("fade_in_s", "fade_out_s"),
    "Gain": ("gain_db",),
    "Reverb": ("mix", "room_size"),
    "Pan": ("pan",),
    "Equalizer": ("bass_db", "mid_db", "treble_db"),
}
#: Stems are always synchronous upstream: mode and replyUrl would be ignored, so not sent.
SYNCHRONOUS = frozenset({"stems"})

#: The edit operations and the fields each one sends (besides clip, title, seed, mode, reply*).
EDIT_FIELDS: dict[str, tuple[str, ...]] = {
    "extend": ("instruction", "extend_s", "extend_from_s"),
    "replace": ("instruction", "mask_start_s", "mask_end_s"),
    "cover": ("instruction", "strength"),
    "remix": ("lyrics", "prompt"),
    "effect": ("effect", *(name for names in EFFECT_FIELDS.values() for name in names)),
    "stems": (),
}


@dataclass(frozen=True)
class EditRequest:
    """The body of POST /music/edit (async). There is no `email`: the source clip's own
    account runs the edit and counts it against its maxJobs."""

    operation: str
    clip: str  # the source's upstream clip id
    options: dict[str, Any]  # the operation's own fields (EDIT_FIELDS), None ones left out
    title: str | None = None
    seed: int | None = None
    reply_url: str | None = None
    reply_ref: str | None = None

    def to_json(self) -> dict[str, Any]:
        allowed = EDIT_FIELDS.get(self.operation)
        if allowed is None:
            raise ValueError(f"Unknown edit operation {self.operation!r}")
        unknown = set(self.options) - set(allowed)
        if unknown:
            raise ValueError(f"{self.operation} does not take {', '.join(sorted(unknown))}")
        body: dict[str, Any] = {"operation": self.operation, "clip": self.clip}
        synchronous = self.operation in SYNCHRONOUS
        if not synchronous:
            body["mode"] = "async"
        body.update({key: value for key, value in self.options.items() if value is not None})
        optional = {
            "title": self.title,
            "seed": self.seed,
            "replyUrl": None if synchronous else self.reply_url,
            "replyRef": self.reply_ref,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        return body
