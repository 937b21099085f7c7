"""rsflowhub image generation client (a second cover-art provider)."""

from __future__ import annotations

from .client import ImageBatch, RsflowhubClient, estimate_credits

__all__ = ["ImageBatch", "RsflowhubClient", "estimate_credits"]
