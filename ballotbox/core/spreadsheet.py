"""CSV files the officer opens in a spreadsheet: no cell may be read as a formula.

A register can carry ``=cmd|' /C calc'!A0`` or ``=HYPERLINK("https://…")`` as a
member's name; written unchanged into a CSV export, a spreadsheet would run it
when the officer opens the file.  Every cell that starts with a character a
spreadsheet treats as the start of a formula (``=``, ``+``, ``-``, ``@``, a tab
or a line break, or their full-width forms) gets a leading apostrophe, which
spreadsheets show as text and do not display; plain numbers such as ``-12.5``
are left alone.

Only for files made for the officer (register reports, duplicates, stock and
reconciliation reports, a count's CSV).  The published bundle's CSV files are
a public format read by programs and are never altered (audit/FORMAT.md).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z")


class _Writes(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: object) -> object:
    """``value`` as it may go into an officer's CSV: text that a spreadsheet would run, defused."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


class SafeWriter:
    """A ``csv.writer`` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, handle: _Writes, **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[object]) -> None:
        """Write one row."""
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write many rows."""
        for row in rows:
            self.writerow(row)
