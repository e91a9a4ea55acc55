"""The keying form's fields: one box per candidate, per contest, in the ballot paper's order.

A ballot of one contest keeps its field names (``mark_3``); on a ballot of
several every box carries its contest's key (``mark_A_3``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ballotbox.definition import ElectionDefinition


def mark_field(definition: ElectionDefinition, key: str, number: int) -> str:
    """The name (and id) of the box for candidate ``number`` of contest ``key``."""
    return f"mark_{number}" if definition.single else f"mark_{key}_{number}"


def marks_from_fields(definition: ElectionDefinition, fields: Mapping[str, str]) -> dict[Any, Any]:
    """What was keyed in each box: number → text (one contest) or key → (number → text)."""
    by_contest = {
        c.key: {
            n.number: fields.get(mark_field(definition, c.key, n.number), "") for n in c.candidates
        }
        for c in definition.contests
    }
    return by_contest[definition.keys[0]] if definition.single else by_contest


def entry_values(definition: ElectionDefinition, fields: Mapping[str, str]) -> dict[str, Any]:
    """The whole entry as keyed, to read and to show again with a problem."""
    return {
        "token": fields.get("token", ""),
        "marks": marks_from_fields(definition, fields),
        "spoilt": fields.get("spoilt", ""),
    }
