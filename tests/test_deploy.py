"""`manage.py check --deploy` is clean with a production-like environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_prints_no_warnings(tmp_path):
    # No SECRET_KEY: the generated one must be good enough too.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("FLOWMUSIC_", "RSFLOWHUB_", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_ALLOW")
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


DEPLOY = ROOT / "deploy"


def _installed(tmp_path, name: str) -> Path:
    """A unit or site file as it would be installed, pointed at this checkout."""
    text = (DEPLOY / name).read_text()
    text = text.replace("/srv/studio/.env", str(tmp_path / "env"))
    text = text.replace("/srv/studio", str(ROOT)).replace("=studio\n", "=root\n")
    (tmp_path / "env").write_text("DEBUG=false\n")
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "unit", ["studio-web.service", "studio-worker.service", "studio-ingest.service"]
)
def test_systemd_units_verify(tmp_path, unit):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed here; the units are checked where it is")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(_installed(tmp_path, unit))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        # Outside a booted systemd these dependency lookups cannot be answered.
        if line.strip() and "not found" not in line and ".service" in line
    ]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


def test_nginx_site_passes_nginx_t(tmp_path):
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if not nginx or not shutil.which("openssl"):
        pytest.skip("nginx (or openssl) is not installed; CI installs nginx-light to check this")
    site = (DEPLOY / "nginx-studio.conf").read_text()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=studio.example.com",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = site.replace("/etc/letsencrypt/live/studio.example.com/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/studio.example.com/privkey.pem", str(key))
    (tmp_path / "logs").mkdir()
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\n"
        "events {}\nhttp {\n"
        f"  access_log off;\n  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n  fastcgi_temp_path {tmp_path}/fcgi;\n"
        f"  uwsgi_temp_path {tmp_path}/uwsgi;\n  scgi_temp_path {tmp_path}/scgi;\n"
        f"  include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_deploy_units_run_commands_that_exist():
    web = (DEPLOY / "studio-web.service").read_text()
    worker = (DEPLOY / "studio-worker.service").read_text()
    assert "gunicorn studio.wsgi" in web and "manage.py migrate" in web
    assert "manage.py qcluster" in worker
    ingest = (DEPLOY / "studio-ingest.service").read_text()
    assert "Environment=Q_CLUSTER_NAME=ingest" in ingest and "manage.py qcluster" in ingest
    assert "X-Accel" not in web  # nginx decides; the app only needs STUDIO_X_ACCEL_PREFIX
