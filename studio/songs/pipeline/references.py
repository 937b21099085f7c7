"""Reference assets live on one account: make sure each one has an id on the target account."""

from __future__ import annotations

import contextlib

from django.db import IntegrityError

from studio.flowmusic import FlowMusicClient
from studio.songs.models import AccountAsset, CoverArt, Generation, ReferenceAudio


def _asset_id(client: FlowMusicClient, email: str, obj: CoverArt | ReferenceAudio) -> str:
    lookup: dict[str, CoverArt | ReferenceAudio]
    if isinstance(obj, CoverArt):
        if obj.asset_id and obj.account_email == email:
            return obj.asset_id
        lookup = {"cover_art": obj}
        stored = obj.image
    else:
        lookup = {"reference_audio": obj}
        stored = obj.audio
    known = AccountAsset.objects.filter(account_email=email, **lookup).first()
    if known:
        return known.asset_id
    # Upload our stored copy to that account; the upstream rejects refs from two accounts.
    with stored.open("rb") as handle:
        asset = client.upload_file(handle, obj.content_type, email=email)
    # Another worker may have uploaded it meanwhile; either id works.
    with contextlib.suppress(IntegrityError):
        AccountAsset.objects.create(account_email=email, asset_id=asset.id, **lookup)
    return asset.id


def reference_ids(
    client: FlowMusicClient, generation: Generation, email: str
) -> tuple[list[str], list[str]]:
    """(refImage ids, refAudio ids) for the generation, all valid on `email`."""
    image_ids = ([generation.cover_art_id] if generation.cover_art_id else []) + list(
        generation.extra_image_ids
    )
    images = CoverArt.objects.in_bulk(image_ids)
    audios = ReferenceAudio.objects.in_bulk(list(generation.reference_audio_ids))
    return (
        [_asset_id(client, email, images[pk]) for pk in image_ids if pk in images],
        [
            _asset_id(client, email, audios[pk])
            for pk in generation.reference_audio_ids
            if pk in audios
        ],
    )


def home_account(generation: Generation) -> str | None:
    """The account that already holds the cover art, preferred under Auto (no re-upload)."""
    if generation.cover_art_id:
        return (
            CoverArt.objects.filter(pk=generation.cover_art_id)
            .values_list("account_email", flat=True)
            .first()
            or None
        )
    return None
