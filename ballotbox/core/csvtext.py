"""Reading CSV rows so that a malformed file is one clear error with its line, not a crash.

``csv`` raises ``csv.Error`` from the middle of iteration: a field longer
than the field size limit (131,072 characters), a stray quote in strict
mode, a NUL on older Pythons.  :func:`rows` turns each into a
:class:`~ballotbox.core.errors.FileFormatError` naming the line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from ballotbox.core.errors import FileFormatError


def rows(reader: Any, source: str) -> Iterator[list[str]]:
    """The rows of ``reader`` (a ``csv.reader``); a ``csv.Error`` becomes a FileFormatError."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileFormatError(explain(exc), source=source, line=reader.line_num) from None
        yield row


def explain(error: csv.Error) -> str:
    """A ``csv.Error`` in the officer's words."""
    text = str(error)
    if "field larger than field limit" in text:
        return (
            f"a field is longer than {csv.field_size_limit():,} characters; is this the right file?"
        )
    return f"not readable as CSV ({text})"
