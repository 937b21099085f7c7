"""Gunicorn's logger with webhook and share tokens masked (see logmask.py).

Gunicorn writes its access and error lines itself, outside Django's LOGGING, so the mask is put
on its two loggers here; gunicorn.conf.py names this class as `logger_class`.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from studio.ops.logmask import MaskTokens


class MaskingLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        # On the loggers, not their handlers: gunicorn replaces handlers when it reopens files.
        for log in (self.access_log, self.error_log):
            if not any(isinstance(existing, MaskTokens) for existing in log.filters):
                log.addFilter(MaskTokens())
