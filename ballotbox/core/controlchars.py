"""Invisible control characters in names, titles and register fields, found before storage.

A NUL in a candidate's name is refused by PostgreSQL deep inside a
transaction; other control characters print as nothing, ring bells, or break
CSV files and pages.  Parsers check every text field up front and say which
field and which character, so the officer can fix the file.  Tabs and line
breaks are allowed only where a field may span lines (a statement, an
address).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# C0 controls except tab and line breaks, DEL, C1 controls, and lone surrogates
# (undecodable bytes that no database can store as text).
_ALWAYS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_IN_TEXT = re.compile(f"[{_ALWAYS}]")
_IN_LINE = re.compile(f"[{_ALWAYS}\t\n\r\u2028\u2029]")

MAX_DEPTH = 32


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first forbidden character in ``text`` as ``U+XXXX``, or None when there is none."""
    match = (_IN_TEXT if multiline else _IN_LINE).search(text)
    return None if match is None else f"U+{ord(match.group()):04X}"


def control_characters_in(
    document: Any, *, multiline_keys: frozenset[str] = frozenset(), where: str = ""
) -> list[str]:
    """Every text value of a parsed document (TOML, JSON) holding a control character.

    Each problem names its field as ``candidates[2].name``; keys named in
    ``multiline_keys`` may hold tabs and line breaks.  A document nested
    deeper than :data:`MAX_DEPTH` is reported once instead of walked.
    """
    problems = []
    for path, key, value, depth in _walk(document, where, "", 0):
        if depth > MAX_DEPTH:
            return [f"{path or 'definition'}: nested more than {MAX_DEPTH} levels deep"]
        if isinstance(value, str):
            found = control_character(value, multiline=key in multiline_keys)
            if found:
                problems.append(
                    f"{path}: contains the invisible control character {found}; remove it"
                )
        if isinstance(key, str):
            found = control_character(key)
            if found:
                problems.append(f"{path}: the key contains the control character {found}")
    return problems


def _walk(value: Any, path: str, key: str, depth: int) -> Iterator[tuple[str, str, Any, int]]:
    stack = [(value, path, key, depth)]
    while stack:
        value, path, key, depth = stack.pop()
        yield path, key, value, depth
        if depth > MAX_DEPTH:
            return
        if isinstance(value, dict):
            for k, v in reversed(list(value.items())):
                stack.append((v, f"{path}.{k}" if path else str(k), str(k), depth + 1))
        elif isinstance(value, list):
            for i, v in reversed(list(enumerate(value))):
                stack.append((v, f"{path}[{i}]", key, depth + 1))
