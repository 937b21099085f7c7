"""Studio settings: everything comes from the environment (README "Configuration").

There is one settings module. Each setting reads its variable through a typed helper in
``studio.env`` and has an embedded default, so a fresh checkout runs with no configuration.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from studio.env import (
    database_config,
    env_bool,
    env_int,
    env_list,
    env_str,
    env_url,
    kept_secret,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Where the SQLite database, uploaded and downloaded media and the generated secret key live.
DATA_DIR = Path(env_str("STUDIO_DATA_DIR", "./data") or "./data")
if not DATA_DIR.is_absolute():
    DATA_DIR = (BASE_DIR / DATA_DIR).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# Django's signing key; generated once and kept in the data dir when not given.
SECRET_KEY = secret_key(env_str("SECRET_KEY"), DATA_DIR)

# Development mode: detailed error pages. Never on a public server.
DEBUG = env_bool("DEBUG", False)

# Host names this instance answers to.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")

# Port `make run` serves on; also how the worker reaches the built-in simulator.
PORT = env_int("PORT", 8000, minimum=1, maximum=65535)

# Public base URL (e.g. https://studio.example.com); when set, jobs carry a replyUrl webhook.
PUBLIC_URL = env_url("PUBLIC_URL", None)

# The useapi.net token for Flow Music; unset means the built-in simulator is the upstream.
FLOWMUSIC_API_TOKEN = env_str("FLOWMUSIC_API_TOKEN")
FLOWMUSIC_SIMULATED = FLOWMUSIC_API_TOKEN is None

# Mount point of the built-in simulator inside the app (only served when simulated).
SIMULATOR_PREFIX = "simulator/"
SIMULATOR_BASE_URL = f"http://127.0.0.1:{PORT}/{SIMULATOR_PREFIX.rstrip('/')}"
# The mounted simulator's bearer token: random per instance, kept in the data dir, so only this
# Studio's own processes can call it (its data is made up, but its jobs hold account slots).
SIMULATOR_TOKEN = kept_secret(DATA_DIR / "simulator_token")

# Flow Music base URL, used when a token is set.
FLOWMUSIC_API_URL = (
    env_url("FLOWMUSIC_API_URL", "https://api.useapi.net/v1/flowmusic")
    if not FLOWMUSIC_SIMULATED
    else f"{SIMULATOR_BASE_URL}/v1/flowmusic"
)

# rsflowhub key; enables it as a second cover art provider (simulated when Flow Music is).
RSFLOWHUB_API_KEY = env_str("RSFLOWHUB_API_KEY")
# rsflowhub base URL.
RSFLOWHUB_API_URL = (
    env_url("RSFLOWHUB_API_URL", "https://rsflowhub.com/api/v1")
    if not FLOWMUSIC_SIMULATED
    else f"{SIMULATOR_BASE_URL}/api/v1"
)

# Redis URL; when set django-q2 uses Redis as its broker, else the database (ORM broker).
REDIS_URL = env_url("REDIS_URL", None, schemes=("redis", "rediss", "unix"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    # Before django_q: its `qcluster` command replaces django-q2's (prompt, deadlock-free stop).
    "studio.ops",
    "django_q",
    "axes",
    "studio.teams",
    "studio.songs",
    "studio.together",
    "studio.library",
    "studio.simulator",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "studio.ops.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "studio.teams.middleware.FirstRunMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "studio.teams.context_processors.team",
                "studio.library.credits.context.credits",
            ],
        },
    },
]

# PostgreSQL (postgres://user:pass@host:port/name) or SQLite in the data dir when unset.
DATABASES = {"default": database_config(env_str("DATABASE_URL"), DATA_DIR)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Tests run a worker in a subprocess, which cannot see an in-memory database; one file
    # per test run, so two runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": DATA_DIR / f"test-{os.getpid()}.sqlite3"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES: dict[str, dict] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Media in an S3-compatible bucket (AWS, MinIO, Garage, Ceph RGW, R2) when one is named: every
# worker and web host then reads and writes the same files. Downloads still land in MEDIA_ROOT/tmp
# (local) until checked.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL"),
            "access_key": env_str("AWS_ACCESS_KEY_ID"),
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY"),
            "region_name": env_str("AWS_S3_REGION_NAME"),
            "file_overwrite": False,
            "default_acl": None,  # private: every byte goes out through the team-checked views
            # S3Storage.open() fetches an object whole first: past 2 MiB into a temporary file,
            # not memory (media views and exports read by range: studio/storage_files.py).
            "max_memory_size": 2 * 1024 * 1024,
        },
    }
WHITENOISE_USE_FINDERS = DEBUG
# Set by deployments behind nginx (e.g. "/protected-media/"): media views answer with
# X-Accel-Redirect to that internal location instead of streaming the bytes themselves.
MEDIA_X_ACCEL_PREFIX = env_str("STUDIO_X_ACCEL_PREFIX")

# /metrics (Prometheus text format) answers only a request bearing this token; unset: no endpoint.
METRICS_TOKEN = env_str("METRICS_TOKEN")

# Uploads larger than this spill to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Security headers; cookies are only marked secure when the public URL is HTTPS.
_HTTPS = bool(PUBLIC_URL and PUBLIC_URL.startswith("https://"))
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_SSL_REDIRECT = _HTTPS
# Monitoring probes /healthz over plain HTTP on the loopback.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 31536000 if _HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = _HTTPS
# Behind nginx/Caddy terminating TLS: trust its X-Forwarded-Proto header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _HTTPS else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL] if PUBLIC_URL else []
SESSION_COOKIE_HTTPONLY = True

# Each process's own cache: rendered library rows and players, the filter form, capped counts,
# the health check's look at the upstream. Django's default keeps 300 entries, about five
# library pages (a row, its two players); this keeps ~160 pages in at most ~50 MB a process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}

# Background tasks (django-q2): Redis when configured, else the database as broker.
Q_CLUSTER: dict = {
    "name": "studio",
    # Tasks mostly wait on the network (submissions, polls, webhooks' look-ups), and one worker
    # runs the reconciler loop: more workers than cores.
    "workers": 4,
    "timeout": 600,
    "retry": 660,
    "max_attempts": 1,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 500,
    "label": "Background tasks",
    # The file-storing tasks' own queue and cluster (studio/enqueue.py), started with
    # `Q_CLUSTER_NAME=ingest manage.py qcluster`: checks and analysis use the CPU, one per core.
    "ALT_CLUSTERS": {"ingest": {"workers": 2}},
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 0.1

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Webhook and share tokens never reach a log line (studio/ops/logmask.py).
    "filters": {"mask_tokens": {"()": "studio.ops.logmask.MaskTokens"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # Failures and lockouts stay (warnings); axes' per-attempt INFO chatter does not.
        "axes": {"level": "WARNING"},
        # Django's own default handlers would print unmasked copies: everything goes through ours.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Sign-ins: django-axes refuses a username or address locked out after failed tries
# (studio/teams/throttle.py).
AUTHENTICATION_BACKENDS = [
    "studio.teams.throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# 5 failed sign-ins per username or per client address lock either out for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# " victim", "ｖｉｃｔｉｍ" and "Victim" count as "victim" (strip + NFKC + casefold).
AXES_USERNAME_CALLABLE = "studio.teams.throttle.throttle_username"
# A sign-in clears its own username's failures only (studio/teams/signals.py), not its address's.
AXES_RESET_ON_SUCCESS = False
# Tries during a lockout are refused without being counted.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# No table of every successful sign-in.
AXES_DISABLE_ACCESS_LOG = True
# Client address: behind our proxy, the last X-Forwarded-For entry (the one nginx appended).
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if SECURE_PROXY_SSL_HEADER else ("REMOTE_ADDR",)
)
AXES_IPWARE_PROXY_COUNT = 0
# Not strict: an extra X-Forwarded-For entry sent by a client must not make it count as the proxy.
IPWARE_STRICT = False
# The login form shows the lockout message itself: no axes middleware.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]
