"""Settings come only from the environment, through typed helpers that reject bad values."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import ImproperlyConfigured

import studio.settings
from studio import env

ALL_VARS = [
    "FLOWMUSIC_API_TOKEN",
    "FLOWMUSIC_API_URL",
    "RSFLOWHUB_API_KEY",
    "RSFLOWHUB_API_URL",
    "STUDIO_DATA_DIR",
    "DATABASE_URL",
    "REDIS_URL",
    "PUBLIC_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "PORT",
]


@pytest.fixture
def load(monkeypatch, tmp_path):
    """Re-import the settings module under a clean environment plus the given variables."""
    original = {name: None for name in ALL_VARS}

    def _load(**variables):
        for name in ALL_VARS:
            monkeypatch.delenv(name, raising=False)
            monkeypatch.delenv(f"{name}_FILE", raising=False)
        monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(studio.settings)

    yield _load
    monkeypatch.undo()
    del original
    importlib.reload(studio.settings)


def test_defaults_need_no_configuration(load, tmp_path):
    s = load()
    assert s.DATA_DIR == tmp_path / "data"
    assert s.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s.DATABASES["default"]["NAME"] == tmp_path / "data" / "studio.sqlite3"
    assert s.DEBUG is False
    assert s.ALLOWED_HOSTS == ["localhost", "127.0.0.1"]
    assert s.PORT == 8000
    assert s.PUBLIC_URL is None
    assert s.REDIS_URL is None and "orm" in s.Q_CLUSTER and "redis" not in s.Q_CLUSTER
    assert s.FLOWMUSIC_SIMULATED is True
    assert s.FLOWMUSIC_API_URL == "http://127.0.0.1:8000/simulator/v1/flowmusic"
    assert s.RSFLOWHUB_API_KEY is None
    assert s.SESSION_COOKIE_SECURE is False


def test_secret_key_is_generated_once_and_kept(load, tmp_path):
    first = load().SECRET_KEY
    assert len(first) >= 50
    assert (tmp_path / "data" / "secret_key").read_text() == first
    assert load().SECRET_KEY == first
    assert load(SECRET_KEY="given-key").SECRET_KEY == "given-key"


def test_secret_can_come_from_a_file(load, tmp_path):
    path = tmp_path / "token.txt"
    path.write_text("tok-from-file\n")
    s = load(FLOWMUSIC_API_TOKEN_FILE=str(path))
    assert s.FLOWMUSIC_API_TOKEN == "tok-from-file"


def test_real_upstream_when_a_token_is_set(load):
    s = load(FLOWMUSIC_API_TOKEN="tok", RSFLOWHUB_API_KEY="key")
    assert s.FLOWMUSIC_SIMULATED is False
    assert s.FLOWMUSIC_API_URL == "https://api.useapi.net/v1/flowmusic"
    assert s.RSFLOWHUB_API_URL == "https://rsflowhub.com/api/v1"
    s = load(
        FLOWMUSIC_API_TOKEN="tok",
        FLOWMUSIC_API_URL="http://127.0.0.1:9000/v1/flowmusic/",
        RSFLOWHUB_API_URL="http://127.0.0.1:9000/api/v1",
    )
    assert s.FLOWMUSIC_API_URL == "http://127.0.0.1:9000/v1/flowmusic"
    assert s.RSFLOWHUB_API_URL == "http://127.0.0.1:9000/api/v1"


def test_a_sqlite_database_url_waits_for_the_lock_like_the_default(load, tmp_path):
    named = load(DATABASE_URL=f"sqlite://{tmp_path}/other.sqlite3").DATABASES["default"]
    assert named["NAME"] == f"{tmp_path}/other.sqlite3"
    assert named["OPTIONS"] == load().DATABASES["default"]["OPTIONS"]
    assert named["OPTIONS"]["transaction_mode"] == "IMMEDIATE"  # several workers write at once


def test_good_values(load):
    s = load(
        DATABASE_URL="postgres://studio:p%40ss@db.internal:5433/studio",
        REDIS_URL="redis://127.0.0.1:6379/2",
        PUBLIC_URL="https://studio.example.com/",
        DEBUG="yes",
        ALLOWED_HOSTS="studio.example.com, www.example.com",
        PORT="9001",
    )
    db = s.DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "studio",
        "studio",
        "p@ss",
        "db.internal",
        "5433",
    )
    assert s.Q_CLUSTER["redis"] == "redis://127.0.0.1:6379/2" and "orm" not in s.Q_CLUSTER
    assert s.PUBLIC_URL == "https://studio.example.com"
    assert s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE
    assert s.CSRF_TRUSTED_ORIGINS == ["https://studio.example.com"]
    assert s.DEBUG is True
    assert s.ALLOWED_HOSTS == ["studio.example.com", "www.example.com"]
    assert s.PORT == 9001
    assert s.SIMULATOR_BASE_URL == "http://127.0.0.1:9001/simulator"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("FLOWMUSIC_API_URL", "api.useapi.net/v1", "FLOWMUSIC_API_URL must be a URL"),
        ("RSFLOWHUB_API_URL", "ftp://rsflowhub.com", "RSFLOWHUB_API_URL must be a URL"),
        ("DATABASE_URL", "mysql://root@localhost/db", "DATABASE_URL must start with"),
        ("DATABASE_URL", "postgres://user@localhost", "DATABASE_URL must name a database"),
        ("REDIS_URL", "127.0.0.1:6379", "REDIS_URL must be a URL"),
        ("PUBLIC_URL", "studio.example.com", "PUBLIC_URL must be a URL"),
        ("DEBUG", "maybe", "DEBUG must be a boolean"),
        ("ALLOWED_HOSTS", " , ", "ALLOWED_HOSTS must list at least one value"),
        ("PORT", "eighty", "PORT must be a whole number"),
        ("PORT", "70000", "PORT must be between 1 and 65535"),
        ("SECRET_KEY_FILE", "/nonexistent/secret", "SECRET_KEY_FILE: cannot read"),
    ],
)
def test_bad_values_are_rejected_with_a_clear_message(load, name, value, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        load(**{name: value, "FLOWMUSIC_API_TOKEN": "tok"})


def test_data_dir_that_cannot_be_created_is_reported(load, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OSError):
        load(STUDIO_DATA_DIR=str(blocker / "data"))


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("On", True), ("0", False), ("no", False), ("", False)]
)
def test_env_bool(raw, expected):
    assert env.env_bool("X", default=not expected, environ={"X": raw}) is expected


def test_env_helpers_fall_back_to_defaults():
    assert env.env_bool("X", True, environ={}) is True
    assert env.env_int("X", 5, environ={}) == 5
    assert env.env_str("X", "d", environ={"X": "  "}) == "d"
    assert env.env_list("X", "a,b", environ={}) == ["a", "b"]
    assert env.env_url("X", None, environ={}) is None
