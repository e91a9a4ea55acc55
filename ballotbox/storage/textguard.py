"""No text that a database cannot store reaches it: a clear error before the flush instead.

PostgreSQL refuses a NUL character in text, and neither database can store a
lone surrogate (an undecodable byte kept by a lenient decoder); either used to
end a command as "unexpected DataError" half way through a transaction.  The
parsers (definitions, registers) refuse control characters up front with the
field and line; this is the backstop for every other way text comes in (a
command-line option, a form field, a teller's batch label): before any flush,
each text value of each new or changed row is checked, and the first bad one
raises :class:`UnstorableTextError` naming the table and column.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnstorableTextError(InputError):
    code = "unstorable_text"
    template = N_(
        "The {column} given for {table} contains {char}, which cannot be stored; "
        "remove it and try again."
    )


def _problem(value: str) -> str | None:
    if value.isascii() and "\x00" not in value:
        return None
    match = _UNSTORABLE.search(value)
    if match is None:
        return None
    return "a NUL character" if match.group() == "\x00" else "an undecodable character"


@event.listens_for(Session, "before_flush")
def _check(session: Session, _context: Any, _instances: Any) -> None:
    for row in (*session.new, *session.dirty):
        state = inspect(row)
        mapper = state.mapper
        for attribute in mapper.column_attrs:
            value = state.dict.get(attribute.key)  # loaded values only: never a lazy load here
            if isinstance(value, str):
                found = _problem(value)
                if found:
                    raise UnstorableTextError(
                        table=mapper.local_table.name, column=attribute.key, char=found
                    )
