"""The Flow Music (useapi.net) client: every call, typed results, typed errors.

The client never retries: whether a failure may be retried is the caller's decision, made from
the error's `kind` (see studio/upstream/errors.py). POST /music in particular must reach the
upstream at most once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from studio.upstream.errors import ImageDeclined, Moderated, NoLyrics, ServerError
from studio.upstream.http import BearerClient, RequestBody

from .errors import FLOWMUSIC, IMAGE_DECLINED_MESSAGE, NO_LYRICS_MESSAGE
from .request import EditRequest, SongRequest
from .results import Account, AccountJobs, Asset, Job, LyricsDraft
from .usage import Usage

T = TypeVar("T")


def _keyed(parse: Callable[[dict[str, Any], str], T]) -> Callable[[Any], dict[str, T]]:
    """A parser for the `{"<email>": {...}}` objects of GET /accounts and GET /jobs."""

    def parse_all(data: Any) -> dict[str, T]:
        if not isinstance(data, dict):
            raise ValueError("expected an object keyed by account email")
        return {key: parse(value, key) for key, value in data.items() if isinstance(value, dict)}

    return parse_all


class FlowMusicClient(BearerClient):
    """A synchronous client; one instance holds one connection pool, so reuse and close it."""

    service = FLOWMUSIC
    DEFAULT_TIMEOUT = 30.0

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, token, timeout=timeout, transport=transport)

    @classmethod
    def from_settings(cls, *, timeout: float | None = None) -> Self:
        """The configured upstream, or the built-in simulator when no token is set.

        Pages pass a short `timeout`; background work keeps the default.
        """
        if not settings.FLOWMUSIC_API_URL:
            raise ImproperlyConfigured("FLOWMUSIC_API_URL is empty.")
        token = settings.FLOWMUSIC_API_TOKEN or settings.SIMULATOR_TOKEN
        return cls(
            settings.FLOWMUSIC_API_URL,
            token,
            timeout=cls.DEFAULT_TIMEOUT if timeout is None else timeout,
        )

    def create_song(self, req: SongRequest) -> Job:
        """POST /music (async). Never retried here: a failure may be AMBIGUOUS."""
        response = self._request("POST", "/music", idempotent=False, json=req.to_json())
        return self._parse(response, Job.from_json, idempotent=False)

    def edit_music(self, req: EditRequest) -> Job:
        """POST /music/edit (async): extend, replace, cover or remix a clip; never retried."""
        response = self._request("POST", "/music/edit", idempotent=False, json=req.to_json())
        return self._parse(response, Job.from_json, idempotent=False)

    def make_stems(self, req: EditRequest) -> Job:
        """POST /music/edit operation=stems: synchronous (15 s to 2 min), answering a completed
        job with four stems. Asking again for the same clip returns the same stems, so this is
        the one creating call that is safe to repeat: a drop or timeout is TRANSIENT here."""
        if req.operation != "stems":
            raise ValueError("make_stems sends operation=stems only")
        response = self._request("POST", "/music/edit", idempotent=True, json=req.to_json())
        return self._parse(response, Job.from_json, idempotent=True)

    def write_lyrics(
        self, prompt: str, *, structure: str | None = None, email: str | None = None
    ) -> LyricsDraft:
        """POST /music/lyrics: free, so safe to ask again; 422 means none could be written."""
        body = {"prompt": prompt, "structure": structure, "email": email}
        sent = {key: value for key, value in body.items() if value}
        try:
            response = self._request("POST", "/music/lyrics", idempotent=True, json=sent)
        except Moderated as exc:
            raise NoLyrics(NO_LYRICS_MESSAGE, status=422, detail=exc.detail) from None
        return self._parse(response, LyricsDraft.from_json, idempotent=True)

    def get_job(self, jobid: str) -> Job:
        """GET /jobs/{jobid}; the id holds `:` and `@`, so it is sent URL-encoded."""
        response = self._request("GET", f"/jobs/{quote(jobid, safe='')}", idempotent=True)
        return self._parse(response, Job.from_json, idempotent=True)

    def list_jobs(self) -> dict[str, AccountJobs]:
        """GET /jobs: running jobs per account email (capacity, and jobs we may have lost)."""
        response = self._request("GET", "/jobs", idempotent=True)
        return self._parse(response, _keyed(AccountJobs.from_json), idempotent=True)

    def cancel_job(self, jobid: str) -> None:
        """DELETE /jobs/{jobid}: stop tracking it upstream (credits may still be spent)."""
        self._request("DELETE", f"/jobs/{quote(jobid, safe='')}", idempotent=True)

    def generate_image(self, prompt: str, email: str | None = None) -> Asset:
        """POST /files/generate; a 500 there means the prompt was declined."""
        body: dict[str, str] = {"prompt": prompt}
        if email is not None:
            body["email"] = email
        try:
            response = self._request("POST", "/files/generate", idempotent=False, json=body)
        except ServerError as exc:
            if exc.status != 500:
                raise
            raise ImageDeclined(IMAGE_DECLINED_MESSAGE, status=500, detail=exc.detail) from None
        return self._parse(response, Asset.from_json, idempotent=False)

    def upload_file(
        self,
        content: RequestBody,
        content_type: str,
        *,
        email: str | None = None,
        strip_metadata: bool | None = None,
    ) -> Asset:
        """POST /files with the raw bytes as the body (not multipart); streams files/iterators."""
        params: dict[str, str] = {}
        if email is not None:
            params["email"] = email
        if strip_metadata is not None:
            params["stripMetadata"] = "true" if strip_metadata else "false"
        response = self._request(
            "POST",
            "/files",
            idempotent=False,
            content=content,
            params=params or None,
            headers={"Content-Type": content_type},
        )
        return self._parse(response, Asset.from_json, idempotent=False)

    def list_accounts(self) -> dict[str, Account]:
        """GET /accounts: every configured account, keyed by email (no credit balances)."""
        response = self._request("GET", "/accounts", idempotent=True)
        return self._parse(response, _keyed(Account.from_json), idempotent=True)

    def get_account(self, email: str) -> Account:
        """GET /accounts/{email}: one account with its live credit balance."""
        response = self._request("GET", f"/accounts/{quote(email, safe='')}", idempotent=True)
        return self._parse(response, Account.from_json, idempotent=True)

    def get_usage(self, email: str) -> Usage:
        """GET /accounts/usage: the upstream's own ledger of one account's charges."""
        response = self._request("GET", "/accounts/usage", idempotent=True, params={"email": email})
        return self._parse(response, lambda data: Usage.from_json(data, email), idempotent=True)
