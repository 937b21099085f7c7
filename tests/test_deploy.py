"""`manage.py check --deploy` is clean with a production-like environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_prints_no_warnings(tmp_path):
    # No SECRET_KEY: the generated one must be good enough too.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("FLOWMUSIC_", "RSFLOWHUB_", "DATABASE_URL", "REDIS_URL", "SECRET_KEY")
        )
    }
    env.update(
        {
            "STUDIO_DATA_DIR": str(tmp_path),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "studio.example.com",
            "PUBLIC_URL": "https://studio.example.com",
            "FLOWMUSIC_API_TOKEN": "user:1234-abcdef",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
