"""What makes a ballot valid for each method, and reading rank marks into an order.

Pure: shared by every channel (web form, SMS, keypad, postal keying) so they
all reject the same things with the same words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ballotbox.core.errors import ChoiceError
from ballotbox.core.i18n import N_
from ballotbox.definition import ElectionDefinition


def validate_choices(definition: ElectionDefinition, choices: Iterable[int]) -> list[int]:
    """Check ``choices`` (candidate numbers) against the method; return them normalised.

    Ranked methods keep the voter's order; for plurality and approval the
    order carries no meaning and the selection is sorted.
    """
    picked = list(choices)
    known = definition.candidate_names()
    if not picked:
        if definition.method == "referendum":
            raise ChoiceError(N_("Choose one answer."))
        raise ChoiceError(N_("Choose at least one candidate."))
    seen: set[int] = set()
    for number in picked:
        if isinstance(number, bool) or not isinstance(number, int):
            raise ChoiceError(N_("“{value}” is not a candidate number."), value=number)
        if number not in known:
            raise ChoiceError(N_("Candidate {number} does not exist."), number=number)
        if number in seen:
            if definition.ranked:
                raise ChoiceError(N_("You ranked candidate {number} twice."), number=number)
            raise ChoiceError(N_("You chose candidate {number} twice."), number=number)
        seen.add(number)
    limit = definition.choice_limit
    if len(picked) > limit:
        if definition.method == "referendum":
            raise ChoiceError(N_("Choose only one answer."))
        raise ChoiceError(
            N_("You chose {count} candidates; this ballot allows at most {limit}."),
            count=len(picked),
            limit=limit,
        )
    return picked if definition.ranked else sorted(picked)


def ranking_from_marks(marks: Mapping[int, int | None]) -> list[int]:
    """Turn rank marks (candidate number → rank, or None when unmarked) into an order.

    Ranks must run 1, 2, 3 … with no gaps and no repeats, as on a paper ballot.
    """
    by_rank: dict[int, int] = {}
    for number, rank in marks.items():
        if rank is None:
            continue
        if rank < 1:
            raise ChoiceError(N_("Ranks start at 1; “{rank}” is not allowed."), rank=rank)
        if rank in by_rank:
            raise ChoiceError(
                N_("Two candidates are marked {rank}: give each candidate a different number."),
                rank=rank,
            )
        by_rank[rank] = number
    if not by_rank:
        raise ChoiceError(N_("Put 1 next to your first choice."))
    for expected in range(1, max(by_rank) + 1):
        if expected not in by_rank:
            raise ChoiceError(
                N_("There is no choice number {rank}: number your choices 1, 2, 3 … without gaps."),
                rank=expected,
            )
    return [by_rank[rank] for rank in sorted(by_rank)]
