"""The rsflowhub image client: a second cover-art provider, on the shared `studio.upstream` base.

Its images are URLs; to use one as a song reference, download it and upload the bytes to
Flow Music's POST /files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from studio.upstream.http import BearerClient, Service

RSFLOWHUB = Service("rsflowhub", "RSFLOWHUB_API_KEY")

MIN_IMAGES = 1
MAX_IMAGES = 4
CREDITS_PER_IMAGE = 20
STANDARD_PIXELS = 1024 * 1024


def estimate_credits(n: int = 1, size: str | None = None) -> int:
    """The cost shown before the user clicks: 20 per image, doubled above 1024x1024."""
    _check_n(n)
    multiplier = 1
    if size:
        width, sep, height = size.lower().partition("x")
        if not sep or not width.strip().isdigit() or not height.strip().isdigit():
            raise ValueError(f"Size must look like 1024x1024, got {size!r}")
        multiplier = 1 if int(width) * int(height) <= STANDARD_PIXELS else 2
    return CREDITS_PER_IMAGE * n * multiplier


def _check_n(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not MIN_IMAGES <= n <= MAX_IMAGES:
        raise ValueError(f"n must be between {MIN_IMAGES} and {MAX_IMAGES}, got {n!r}")


@dataclass(frozen=True)
class ImageBatch:
    """The generated image URLs and what they cost."""

    images: tuple[str, ...]
    credits_used: int | None
    credits_remaining: int | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImageBatch:
        result = data["data"]["result"]
        images = result["images"]
        if not isinstance(images, list):
            raise ValueError("images is not a list")
        meta = data.get("meta")
        meta = meta if isinstance(meta, dict) else {}
        return cls(
            images=tuple(url for url in images if isinstance(url, str)),
            credits_used=_int(meta.get("credits_used")),
            credits_remaining=_int(meta.get("credits_remaining")),
        )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class RsflowhubClient(BearerClient):
    """A synchronous client for POST /ai/image-generation."""

    service = RSFLOWHUB
    # Generating up to four images takes a while.
    DEFAULT_TIMEOUT = 120.0

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, api_key, timeout=timeout, transport=transport)

    @classmethod
    def from_settings(cls, *, timeout: float | None = None) -> Self:
        """The configured rsflowhub, or the built-in simulator's when Flow Music is simulated."""
        api_key = settings.RSFLOWHUB_API_KEY
        if not api_key and settings.FLOWMUSIC_SIMULATED:
            api_key = settings.SIMULATOR_TOKEN
        if not api_key:
            raise ImproperlyConfigured("RSFLOWHUB_API_KEY is not set; rsflowhub is disabled.")
        if not settings.RSFLOWHUB_API_URL:
            raise ImproperlyConfigured("RSFLOWHUB_API_URL is empty.")
        return cls(
            settings.RSFLOWHUB_API_URL,
            api_key,
            timeout=cls.DEFAULT_TIMEOUT if timeout is None else timeout,
        )

    estimate_credits = staticmethod(estimate_credits)

    def generate_images(
        self, prompt: str, *, style: str | None = None, size: str | None = None, n: int = 1
    ) -> ImageBatch:
        """Generate 1-4 images; spends credits, so a failure after sending is AMBIGUOUS."""
        _check_n(n)
        body: dict[str, Any] = {"prompt": prompt, "n": n}
        if style is not None:
            body["style"] = style
        if size is not None:
            body["size"] = size
        response = self._request("POST", "/ai/image-generation", idempotent=False, json=body)
        return self._parse(response, ImageBatch.from_json, idempotent=False)
