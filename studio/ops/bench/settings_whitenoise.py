"""`make bench` media section: the app's settings, plus a folder whitenoise serves at the root.

The benchmark compares the app's clip view with whitenoise serving the same big WAV as a plain
static file; this module exists only for that comparison.
"""

from __future__ import annotations

import os

from studio.settings import *  # noqa: F403

# The folder holding the benchmark's big WAV, served at /<name>.
WHITENOISE_ROOT = os.environ["STUDIO_BENCH_WHITENOISE_ROOT"]
