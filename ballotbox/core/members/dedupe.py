"""Possible duplicate members across registers, grouped for a person to resolve.

Two records are linked when they share a membership number, or the same
normalised name together with the same postcode or the same email address.
Linked records form one group (a member on three registers is one group, not
three pairs), and every link keeps its reason so the returning officer can see
why the records were put together.  Nothing is merged automatically.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ballotbox.core.i18n import _
from ballotbox.core.members.registers import Member

TITLES = frozenset(
    "mr mrs ms miss mx dr prof professor rev revd reverend sir dame lady lord cllr".split()
)


@dataclass(frozen=True, slots=True)
class Match:
    """Why two records (indexes into the group's ``members``) look like one person."""

    first: int
    second: int
    reason: str


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Records that may be one person, with every reason found."""

    members: tuple[Member, ...]
    matches: tuple[Match, ...]


def normalise_name(name: str) -> str:
    """Name for comparison: no accents, case, punctuation, titles; words sorted ("Smith, John")."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words = re.sub(r"[^\w]+", " ", plain).split()
    return " ".join(sorted(w for w in words if w not in TITLES))


def normalise_postcode(postcode: str) -> str:
    """Postcode for comparison: upper case, no spaces."""
    return re.sub(r"\s+", "", postcode).upper()


def find_duplicates(members: Iterable[Member]) -> list[DuplicateGroup]:
    """Group records that share a number, or a name plus a postcode or an email."""
    records = list(members)
    buckets: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, member in enumerate(records):
        name = normalise_name(member.name)
        if member.number:
            buckets[("number", member.number.strip().upper())].append(index)
        if name and member.postcode:
            buckets[("postcode", name, normalise_postcode(member.postcode))].append(index)
        if name and member.email:
            buckets[("email", name, member.email.strip().lower())].append(index)
    parent = list(range(len(records)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    links: list[tuple[int, int, str]] = []
    for key, indexes in buckets.items():
        if len(indexes) < 2:
            continue
        reason = _reason(key)
        for other in indexes[1:]:
            links.append((indexes[0], other, reason))
            parent[root(other)] = root(indexes[0])
    grouped: dict[int, list[int]] = defaultdict(list)
    for index in range(len(records)):
        grouped[root(index)].append(index)
    groups = []
    for indexes in grouped.values():
        if len(indexes) < 2:
            continue
        position = {record: n for n, record in enumerate(indexes)}
        matches = tuple(
            Match(position[a], position[b], reason) for a, b, reason in links if a in position
        )
        groups.append(DuplicateGroup(tuple(records[i] for i in indexes), matches))
    return groups


def _reason(key: tuple[str, ...]) -> str:
    if key[0] == "number":
        return _("same membership number {number}").format(number=key[1])
    if key[0] == "postcode":
        return _("same name and postcode {postcode}").format(postcode=key[2])
    return _("same name and email {email}").format(email=key[2])
