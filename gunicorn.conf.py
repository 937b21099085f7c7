"""Gunicorn settings for every way Studio is served (Procfile, deploy/studio-web.service).

Gunicorn also reads this file by itself when started from the repository root.
"""

from __future__ import annotations

# Webhook and share tokens are in URL paths: the access and error logs mask them.
logger_class = "studio.ops.gunicorn_logging.MaskingLogger"
