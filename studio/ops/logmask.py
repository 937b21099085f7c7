"""Secret tokens in URL paths never reach a log line (DESIGN §5.5).

Webhook addresses, share links and invitations carry their token in the path, and paths get
logged: the access log, Django's "Not Found: /hooks/flowmusic/<token>/" warnings, tracebacks,
Referer headers. `mask` rewrites ``/hooks/flowmusic/<token>/`` to ``/hooks/flowmusic/[token]/``;
`MaskTokens` applies it to a whole log record. Settings' LOGGING puts it on our handler and
gunicorn_logging puts it on gunicorn's loggers.
"""

from __future__ import annotations

import logging
import re

# Every path whose next segment is a secret. One list, so a new kind of token link is masked
# everywhere by adding its prefix here.
MASKED_PATH_PREFIXES = ("/hooks/flowmusic/", "/s/", "/invite/")
MASK = "[token]"

# Matched anywhere, even inside a longer path ("/studio/s/x" behind a prefix, a Referer URL):
# masking a harmless path is better than leaving a token.
_TOKEN_IN_PATH = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in MASKED_PATH_PREFIXES) + r""")[^/?#\s"'<>]+"""
)


def mask(text: str) -> str:
    return _TOKEN_IN_PATH.sub(lambda match: match.group(1) + MASK, text)


class MaskTokens(logging.Filter):
    """Masks tokens in a record's message, its arguments and its traceback text.

    The message is formatted here (args merged in) and masked as a whole: an argument may be any
    object whose str() holds a URL, and masking the pieces could miss a token split between
    them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True
