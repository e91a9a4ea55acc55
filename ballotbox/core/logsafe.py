"""Keep tokens and addresses out of every log line, whoever starts the server.

``ballotbox serve`` turns uvicorn's access log off, but a deployment may run
uvicorn or gunicorn directly.  So the app installs a filter on the access
logger that blanks the client address and any run of digits long enough to
be a token (``/v/<token>``) before the line is written.
"""

from __future__ import annotations

import logging
import re

TOKENISH = re.compile(r"\d[\d\s.\-_]{14,}\d")
ACCESS_LOGGERS = ("uvicorn.access", "gunicorn.access")


def redact(text: str) -> str:
    """``text`` with anything that could be a ballot token replaced."""
    return TOKENISH.sub("[token]", text)


class RedactAccessLog(logging.Filter):
    """Drop the client address and redact token-like digits from access log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            # uvicorn: (client address, method, path with query, HTTP version, status)
            _client, method, path, version, status = args
            record.args = ("-", method, redact(str(path)), version, status)
        else:
            record.msg = redact(str(record.msg))
            if isinstance(args, tuple):
                record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        return True


def install() -> None:
    """Attach the filter to the access loggers (idempotent)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactAccessLog) for f in logger.filters):
            logger.addFilter(RedactAccessLog())
