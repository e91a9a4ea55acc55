"""Slate rule: a minimum number elected from a group (e.g. at least 3 women of 6 seats).

The rule, applied by the STV counts at every stage: for each group, the places
still to fill are ``minimum − elected from the group``, capped at the group's
continuing candidates.  When the seats left equal (or fall below) a group's
places still to fill, every continuing candidate outside that group is
excluded, one per stage, lowest first, recorded with the note "group minimum";
and such a candidate is not elected even on reaching the quota.
"""

from __future__ import annotations

from collections.abc import Sequence

from ballotbox.core.counting.model import CountInput, CountOptions
from ballotbox.core.errors import InputError


class GroupRule:
    """The group minimums of one count (does nothing when the election sets none)."""

    def __init__(self, data: CountInput, options: CountOptions) -> None:
        self.rules: list[tuple[frozenset[int], int]] = []
        for name, minimum in options.group_minimums.items():
            if name not in data.groups:
                raise InputError("The group minimum names an unknown group “{group}”.", group=name)
            if minimum < 0 or minimum > data.seats:
                raise InputError(
                    "The minimum for group “{group}” must be between 0 and the number of seats.",
                    group=name,
                )
            if minimum:
                self.rules.append((frozenset(data.groups[name]), minimum))

    def _binding(
        self, continuing: Sequence[int], elected: Sequence[int], seats: int
    ) -> list[frozenset[int]]:
        left = seats - len(elected)
        binding = []
        for members, minimum in self.rules:
            still = minimum - sum(1 for c in elected if c in members)
            available = sum(1 for c in continuing if c in members)
            places = min(still, available)
            if places > 0 and places >= left:
                binding.append(members)
        return binding

    def must_exclude(
        self, continuing: Sequence[int], elected: Sequence[int], seats: int
    ) -> list[int]:
        """Continuing candidates the rule excludes now (empty when it does not bind)."""
        if not self.rules:
            return []
        binding = self._binding(continuing, elected, seats)
        return [c for c in continuing if any(c not in members for members in binding)]

    def blocks(
        self, candidate: int, continuing_flags: Sequence[bool], elected: Sequence[int], seats: int
    ) -> bool:
        """Whether electing ``candidate`` now would make a group minimum unreachable."""
        if not self.rules:
            return False
        continuing = [c for c, ok in enumerate(continuing_flags) if ok]
        return any(
            candidate not in members for members in self._binding(continuing, elected, seats)
        )
