"""Failed sign-ins are limited per username and per client address: 5 in 15 minutes.

django-axes does the counting (settings: AXES_*). What is ours:

- The username is counted as Django looks it up, not as typed: the login form strips it and
  NFKC-normalises it, so " victim", a tab-padded "victim" and full-width "ｖｉｃｔｉｍ" all sign in
  as "victim" and must share its count. Case is folded on top: "Victim" counts against "victim" too.
- Locked out, our login form says so itself; the backend refuses any other way in (the admin's
  login form) with the usual "wrong password" message.
- A successful sign-in clears that username's failures, not its address's (it may be shared):
  see signals.py; axes' own AXES_RESET_ON_SUCCESS would clear the address too.

Axes counts from each (username, address) pair's last failure, so a lockout ends 15 minutes
after the last failed try rather than the first; stricter, never looser, than a sliding window.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from django.http import HttpRequest

MESSAGE = (
    "Too many failed sign-in attempts. Wait 15 minutes and try again, "
    "or ask a team owner to check your account."
)
# axes' AccessAttempt.username column; casefold() can make a 150-character username longer.
KEY_LENGTH = 255


def username_key(username: str) -> str:
    """The username a failure counts against: the form's strip + NFKC, then casefold()."""
    return unicodedata.normalize("NFKC", username.strip()).casefold()[:KEY_LENGTH]


def throttle_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the key for the username in these credentials (or the POST)."""
    source = credentials if credentials is not None else getattr(request, "POST", {})
    username = source.get("username")
    return username_key(username) if isinstance(username, str) else None


def is_locked_out(request: HttpRequest, username: str) -> bool:
    return not AxesProxyHandler.is_allowed(request, get_credentials(username))


def forget_failures(username: str) -> None:
    AxesProxyHandler.reset_attempts(username=username_key(username))


class LoginThrottleBackend(AxesStandaloneBackend):
    """axes' backend, except for a call without a request.

    Those come from our own process (the test client's login(), a shell), never from a browser,
    and axes would raise on them; there is no client to count.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
