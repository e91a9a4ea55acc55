"""What makes a ballot valid for each method, and reading rank marks into an order.

Shared by every channel (web form, SMS, keypad, postal keying) so they all
reject the same things with the same words.  A ballot's choices are a
:data:`BallotChoices`: contest key → candidate numbers, every contest present,
an empty list for a contest left blank (an abstention in that contest only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ballotbox.core.errors import ChoiceError
from ballotbox.core.i18n import N_
from ballotbox.core.vocabulary import REFERENDUM_ANSWERS
from ballotbox.definition import ContestDefinition, ElectionDefinition

BallotChoices = dict[str, list[int]]
"""Contest key → candidate numbers (ranked: in preference order); [] = left blank."""

GivenChoices = Sequence[Any] | Mapping[str, Sequence[Any]]
"""Choices as a channel gives them: key → choices (numbers, or referendum words), or a list."""

ChoicesReader = Callable[[ElectionDefinition], GivenChoices]
"""Choices that can only be read once the token's ballot is known (a text's words, whose
meaning depends on the contests): given the definition, the choices, or a ``ChoiceError``."""

CastChoices = GivenChoices | ChoicesReader
"""What a cast is given: the choices, or how to read them from the ballot's definition."""


def validate_ballot(definition: ElectionDefinition, choices: GivenChoices) -> BallotChoices:
    """Check a whole ballot's choices; return them normalised, every contest present.

    ``choices`` is a mapping of contest key → choices (a missing key is a blank
    contest; referendum answers may be written "yes", "no", "abstain"), or, for
    a one-contest ballot only, the list of that contest's choices.  A ballot
    must choose something in at least one contest.  A :class:`ChoiceError` names
    the contest it is about in ``error.contest``.
    """
    if not isinstance(choices, Mapping):
        if not definition.single:
            raise ChoiceError(
                N_("This ballot has {count} contests: give the choices for each by its letter."),
                count=len(definition.contests),
            )
        choices = {definition.contests[0].key: choices}
    by_key = {str(key).strip().upper(): value for key, value in choices.items()}
    for key in by_key:
        if key not in definition.keys:
            raise ChoiceError(N_("There is no contest {key} on this ballot."), key=key).in_contest(
                key
            )
    ballot: BallotChoices = {}
    for contest in definition.contests:
        picked = by_key.get(contest.key, [])
        if isinstance(picked, (str, int)):
            picked = [picked]
        try:
            numbers = [answer_number(contest, value) for value in picked]
            ballot[contest.key] = validate_choices(contest, numbers, blank=not definition.single)
        except ChoiceError as error:
            raise error.in_contest(contest.key) from None
    if not any(ballot.values()):
        raise ChoiceError(N_("Your ballot is blank: make a choice in at least one contest."))
    return ballot


def answer_number(contest: ContestDefinition, value: Any) -> Any:
    """A referendum answer written as a word ("yes", "No", "ABSTAIN") as its number."""
    if contest.method == "referendum" and isinstance(value, str):
        words = {answer.casefold(): i for i, answer in enumerate(REFERENDUM_ANSWERS, 1)}
        found = words.get(value.strip().casefold())
        if found is None:
            raise ChoiceError(
                N_("“{value}” is not an answer: choose Yes, No or Abstain."), value=value
            )
        return found
    return value


def validate_choices(
    contest: ContestDefinition, choices: Iterable[int], *, blank: bool = False
) -> list[int]:
    """Check one contest's ``choices`` (candidate numbers) against its method; normalise them.

    Ranked methods keep the voter's order; for plurality and approval the
    order carries no meaning and the selection is sorted.  ``blank`` allows
    no choice at all (a contest left blank on a ballot of several contests).
    """
    definition = contest
    picked = list(choices)
    known = definition.candidate_names()
    if not picked and blank:
        return []
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
