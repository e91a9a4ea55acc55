"""Keep tokens and addresses out of every log line, whoever starts the server.

``ballotbox serve`` turns uvicorn's access log off, but a deployment may run
uvicorn or gunicorn directly.  So the app installs a filter on the access
logger that blanks the client address and any run of digits long enough to
be a token (``/v/<token>``) before the line is written.

The line holds the path as sent, so a token may be spelt with its groups
apart in any way a browser or a person writes them: spaces as ``%20`` or
``+``, dashes, dots, even the digits themselves percent-encoded (``%34``).
Twelve or more digits with only such separators between them are redacted.
"""

from __future__ import annotations

import logging
import re

# A digit as it may appear in a request line: plain or percent-encoded (%30 to %39).
_DIGIT = r"(?:\d|%3[0-9])"
# What may stand between digit groups: spaces, +, dots, dashes..., or any other %-escape.
_SEPARATOR = r"(?:[\s.\-_+,/:;|]|%(?:[0-24-9A-Fa-f][0-9A-Fa-f]|3[A-Fa-f]))"
TOKENISH = re.compile(rf"{_DIGIT}(?:{_SEPARATOR}*{_DIGIT}){{11,}}")
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
        elif isinstance(args, dict):
            # gunicorn: atoms by name; "h" is the remote address
            record.args = {k: "-" if k == "h" else redact(v) if isinstance(v, str) else v
                           for k, v in args.items()}  # fmt: skip
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
