"""Breaking ties: first by earlier stages of the count, then by lot from the election's seed.

The lot is a hash, not a random generator: SHA-256 of the seed, the purpose,
the stage and the tied candidates' names picks one of them.  Anyone holding
the published seed can redo the draw, and the same inputs always give the
same result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ballotbox.core.counting.model import Number, TieBreak


class TieBreaker:
    """Resolves ties for one count; ``names`` are the candidates' names by id."""

    def __init__(self, seed: str, names: Sequence[str]) -> None:
        self.seed = seed
        self.names = names

    def by_lot(self, tied: Sequence[int], purpose: str, stage: int) -> int:
        """Draw one of ``tied`` by lot: a hash of the seed, the purpose, the stage and the names."""
        ordered = sorted(tied)
        text = "\x1f".join([self.seed, purpose, str(stage), *(self.names[c] for c in ordered)])
        digest = hashlib.sha256(text.encode("utf-8")).digest()
        return ordered[int.from_bytes(digest, "big") % len(ordered)]

    def pick(
        self,
        tied: Sequence[int],
        history: Sequence[Sequence[Number]],
        *,
        highest: bool,
        purpose: str,
        stage: int,
    ) -> tuple[int, TieBreak | None]:
        """Pick one of ``tied``: the highest (or lowest) at the earliest stage where they
        differed, narrowing stage by stage; if still tied at every stage, by lot."""
        if len(tied) == 1:
            return tied[0], None
        remaining = list(tied)
        for votes in history:
            values = [votes[c] for c in remaining]
            best = max(values) if highest else min(values)
            narrowed = [c for c, v in zip(remaining, values, strict=True) if v == best]
            if len(narrowed) < len(remaining):
                remaining = narrowed
                if len(remaining) == 1:
                    return remaining[0], TieBreak(
                        purpose, tuple(tied), remaining[0], "earlier-stages"
                    )
        chosen = self.by_lot(remaining, purpose, stage)
        return chosen, TieBreak(purpose, tuple(tied), chosen, "lot")

    def order(
        self,
        candidates: Sequence[int],
        key: Sequence[Number],
        history: Sequence[Sequence[Number]],
        *,
        purpose: str,
        stage: int,
    ) -> tuple[list[int], list[TieBreak]]:
        """Sort ``candidates`` by ``key`` descending, breaking ties as :meth:`pick` does."""
        rest = list(candidates)
        ordered: list[int] = []
        breaks: list[TieBreak] = []
        while rest:
            top = max(key[c] for c in rest)
            tied = [c for c in rest if key[c] == top]
            chosen, tie = self.pick(tied, history, highest=True, purpose=purpose, stage=stage)
            if tie is not None:
                breaks.append(tie)
            ordered.append(chosen)
            rest.remove(chosen)
        return ordered, breaks
