"""Typed readers for environment variables.

Every setting comes from the environment through one of these helpers; a bad value stops the
process at start-up with an ``ImproperlyConfigured`` message that names the variable.
A secret may also be given as ``NAME_FILE`` (a path whose content is the value).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    if value is None and f"{name}_FILE" in environ:
        path = Path(environ[f"{name}_FILE"])
        try:
            value = path.read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc.strerror}") from exc
    return value


def env_str(
    name: str, default: str | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    value = _raw(name, environ)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false, 1/0, yes/no), got {value!r}")


def env_int(
    name: str,
    default: int,
    minimum: int = 0,
    maximum: int = 2**31,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from None
    if not minimum <= number <= maximum:
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}, got {number}")
    return number


def env_list(name: str, default: str, environ: Mapping[str, str] | None = None) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        value = default
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} must list at least one value separated by commas")
    return items


def env_url(
    name: str,
    default: str | None,
    schemes: tuple[str, ...] = ("http", "https"),
    environ: Mapping[str, str] | None = None,
) -> str | None:
    value = env_str(name, default, environ)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(f"{name} must be a URL starting with {allowed}, got {value!r}")
    return value.rstrip("/")


SQLITE_OPTIONS = {"timeout": 20, "transaction_mode": "IMMEDIATE"}  # database_config


def database_config(url: str | None, data_dir: Path) -> dict:
    """Django DATABASES['default'] from DATABASE_URL, or SQLite in the data dir."""
    # Several worker processes write at once: wait for the lock, and take it at the start of a
    # transaction (a deferred one that turns into a write fails at once instead of waiting).
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "OPTIONS": dict(SQLITE_OPTIONS)}
    if url is None:
        return {**sqlite, "NAME": data_dir / "studio.sqlite3"}
    parts = urlsplit(url)
    if parts.scheme in ("sqlite", "sqlite3"):
        return {**sqlite, "NAME": unquote(parts.path) or ":memory:"}
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgres:// or sqlite://, got scheme {parts.scheme!r}"
        )
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured(
            "DATABASE_URL must name a database, e.g. postgres://u@host/studio"
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def secret_key(explicit: str | None, data_dir: Path) -> str:
    """The given SECRET_KEY, or one generated on first start and kept in the data dir."""
    return explicit or kept_secret(data_dir / "secret_key")


def kept_secret(path: Path) -> str:
    """A random secret made on first start and kept in `path` (owner-only), so every process
    of this instance reads the same one and no two instances share it."""
    if path.exists():
        return path.read_text().strip()
    from django.utils.crypto import get_random_string

    key = get_random_string(64, "abcdefghijklmnopqrstuvwxyz0123456789!@#%^&*(-_=+)")
    data_dir = path.parent
    data_dir.mkdir(parents=True, exist_ok=True)
    # Create with owner-only permissions; exclusive so two processes starting together agree.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
