"""The songs app's models, one module per concern."""

from studio.songs.models.activity import Activity
from studio.songs.models.assets import AccountAsset, CoverArt, CoverArtJob, ReferenceAudio
from studio.songs.models.credits import BalanceReading, Budget, CreditEvent
from studio.songs.models.generation import Clip, Generation, GenerationEvent
from studio.songs.models.lyrics import LyricsDraft
from studio.songs.models.upstream import Lease, UpstreamAccount

__all__ = [
    "Activity",
    "AccountAsset",
    "BalanceReading",
    "Budget",
    "Clip",
    "CoverArt",
    "CoverArtJob",
    "CreditEvent",
    "Generation",
    "GenerationEvent",
    "Lease",
    "LyricsDraft",
    "ReferenceAudio",
    "UpstreamAccount",
]
