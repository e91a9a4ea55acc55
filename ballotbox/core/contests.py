"""A ballot's contests as its definition document describes them, and how each is counted.

The definition document is the JSON stored with each election, committed to
at opening and published as ``election.json``.  It comes in two forms:

* the **one-contest form** (``method``, ``seats``, ``candidates`` … at the top
  level), used by every ballot written before contests existed: one contest,
  key ``A``, titled like the ballot;
* the **contests form**: a ``contests`` array, each entry with its ``key``
  (``A``, ``B`` …), ``title``, ``method``, ``seats``, ``candidates`` and options.

A ballot with one contest records a voter's choices as a list of candidate
numbers, exactly as before contests existed; a ballot with several records an
object, contest key → list (``[]`` for a contest left blank).  That recorded
value is what is stored, hashed into the chain and published.

The tally and the offline verifier both count through :func:`count_ballots`,
so the published result and the recount cannot disagree by construction.
Pure: standard library and ``ballotbox.core.counting``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from ballotbox.core.counting import CountInput, CountOptions, Result, count
from ballotbox.core.counting.model import Number, Ranking

Contest = Mapping[str, Any]
"""One contest's part of a definition document (the whole document in the one-contest form)."""

Choices = tuple[int, ...]
"""One contest's choices: candidate numbers, in preference order for ranked methods."""

Recorded = list[int] | dict[str, list[int]]
"""A ballot as stored, hashed and published: a list (one contest) or key → list (several)."""

ONE_CONTEST_KEY = "A"


def contests(document: Mapping[str, Any]) -> list[Contest]:
    """Every contest of a definition document in ballot order (the one-contest form: itself)."""
    written = document.get("contests")
    if written is None:
        return [{**document, "key": ONE_CONTEST_KEY}]
    if not isinstance(written, list):
        raise ValueError("contests is not a list")
    for entry in written:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise ValueError("a contest is not an object with a key")
    return list(written)


def keys(document: Mapping[str, Any]) -> list[str]:
    """The contest keys in ballot order."""
    return [str(contest["key"]) for contest in contests(document)]


def is_single(document: Mapping[str, Any]) -> bool:
    """True for a ballot of one contest: choices recorded as a list, results as one count."""
    return len(contests(document)) == 1


def contest_seed(document: Mapping[str, Any], key: str, seed: str) -> str:
    """The tie-break seed for contest ``key``: the ballot's seed, or ``seed/key`` on several."""
    return seed if is_single(document) else f"{seed}/{key}"


def candidates(contest: Contest) -> list[tuple[int, str]]:
    """(number, name) of every candidate (or referendum answer) of a contest, by number."""
    found: list[tuple[int, str]] = []
    for entry in contest.get("candidates", []):
        if isinstance(entry, dict) and isinstance(entry.get("number"), int):
            found.append((entry["number"], str(entry.get("name", ""))))
    return sorted(found)


def by_contest(document: Mapping[str, Any], recorded: Any) -> dict[str, Choices]:
    """A recorded ballot (list or key → list) as contest key → choices, every contest present.

    Raises ValueError when the value does not fit the ballot (a list for a
    ballot of several contests, an unknown key, a choice that is not a number).
    """
    order = keys(document)
    if isinstance(recorded, (list, tuple)):
        if len(order) != 1:
            raise ValueError("a list of choices on a ballot of several contests")
        return {order[0]: _numbers(recorded)}
    if not isinstance(recorded, Mapping):
        raise ValueError("the choices are neither a list nor an object")
    strangers = sorted(set(recorded) - set(order))
    if strangers:
        raise ValueError(f"there is no contest {strangers[0]!r} on this ballot")
    return {key: _numbers(recorded.get(key, ())) for key in order}


def recorded(document: Mapping[str, Any], ballot: Mapping[str, Sequence[int]]) -> Recorded:
    """The value stored, hashed and published for a ballot given as contest key → choices."""
    order = keys(document)
    if len(order) == 1:
        return [int(n) for n in ballot.get(order[0], ())]
    return {key: [int(n) for n in ballot.get(key, ())] for key in order}


def _numbers(values: Any) -> Choices:
    if not isinstance(values, (list, tuple)):
        raise ValueError("a contest's choices are not a list")
    if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise ValueError("a choice is not a candidate number")
    return tuple(values)


def count_input(contest: Contest, choices: Iterable[Sequence[int]]) -> CountInput:
    """The engine's input for one contest: candidates by number, identical ballots grouped.

    Each choice is its own preference level; the engine reads plurality,
    approval and referendum ballots as the set of their levels.
    """
    return grouped_input(contest, Counter(tuple(picked) for picked in choices))


def grouped_input(contest: Contest, grouped: Mapping[Choices, int]) -> CountInput:
    """The engine's input for one contest from its distinct ballots and how many cast each."""
    ids = candidate_ids(contest)
    level = {number: (i,) for number, i in ids.items()}.__getitem__
    # Candidate ids rise with their numbers, so sorting by numbers sorts the rankings too.
    levels = [(tuple(map(level, picked)), weight) for picked, weight in sorted(grouped.items())]
    return contest_input(contest, levels)


def candidate_ids(contest: Contest) -> dict[int, int]:
    """Candidate number → the engine's id for it (ids rise with the numbers, from 0)."""
    return {number: i for i, (number, _) in enumerate(candidates(contest))}


def contest_input(contest: Contest, ballots: Sequence[tuple[Ranking, Number]]) -> CountInput:
    """The engine's input for one contest whose distinct ballots are in the engine's form."""
    listed = candidates(contest)
    ids = candidate_ids(contest)
    groups: dict[str, set[int]] = {}
    for entry in contest.get("candidates", []):
        if isinstance(entry, dict) and entry.get("group"):
            groups.setdefault(str(entry["group"]), set()).add(ids[entry["number"]])
    return CountInput(
        candidates=[name for _, name in listed],
        seats=int(contest.get("seats", 1)),
        ballots=ballots,
        title=str(contest.get("title", "")),
        groups={name: frozenset(members) for name, members in groups.items()},
    )


def count_options(contest: Contest, seed: str) -> CountOptions:
    """The engine's options for one contest: seed, threshold, abstentions, group minimums."""
    return CountOptions(
        seed=seed,
        referendum_threshold=Fraction(str(contest.get("threshold", "1/2"))),
        abstentions_count=bool(contest.get("abstentions_count", False)),
        group_minimums={
            str(rule["group"]): int(rule["minimum"]) for rule in contest.get("group_minimums", [])
        },
    )


def contest_choices(
    document: Mapping[str, Any], ballots: Iterable[Mapping[str, Choices]]
) -> dict[str, list[Choices]]:
    """Contest key → every ballot's non-blank choices (a blank is no ballot in that contest)."""
    found: dict[str, list[Choices]] = {key: [] for key in keys(document)}
    for ballot in ballots:
        for key, choices in ballot.items():
            if choices:
                found[key].append(choices)
    return found


def blanks(document: Mapping[str, Any], ballots: Sequence[Mapping[str, Choices]]) -> dict[str, int]:
    """Contest key → how many ballots left that contest blank."""
    return {key: sum(1 for b in ballots if not b.get(key)) for key in keys(document)}


def count_ballots(
    document: Mapping[str, Any], ballots: Sequence[Mapping[str, Choices]], seed: str
) -> dict[str, Result]:
    """Count every contest by its method; contest key → result, in ballot order."""
    chosen = contest_choices(document, ballots)
    return count_grouped(document, {key: Counter(found) for key, found in chosen.items()}, seed)


def count_inputs(
    document: Mapping[str, Any], grouped: Mapping[str, Mapping[Choices, int]]
) -> dict[str, CountInput]:
    """Contest key → the engine's input, from each contest's distinct ballots and weights."""
    return {
        str(contest["key"]): grouped_input(contest, grouped.get(str(contest["key"]), {}))
        for contest in contests(document)
    }


def count_grouped(
    document: Mapping[str, Any],
    grouped: Mapping[str, Mapping[Choices, int]],
    seed: str,
    inputs: Mapping[str, CountInput] | None = None,
) -> dict[str, Result]:
    """Count every contest from its distinct non-blank ballots with their weights."""
    inputs = count_inputs(document, grouped) if inputs is None else inputs
    results: dict[str, Result] = {}
    for contest in contests(document):
        key = str(contest["key"])
        results[key] = count(
            str(contest.get("method")),
            inputs[key],
            count_options(contest, contest_seed(document, key, seed)),
        )
    return results


def result_document(results: Mapping[str, Result], blank: Mapping[str, int]) -> dict[str, Any]:
    """The stored and published result: one count as before, or every contest's with blanks."""
    if len(results) == 1:
        return next(iter(results.values())).to_json()
    return {
        "contests": {key: result.to_json() for key, result in results.items()},
        "blank": dict(blank),
    }


def contest_results(document: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """Contest key → that contest's result JSON, from a stored or published result document."""
    if is_single(document):
        return {keys(document)[0]: dict(stored)}
    per_contest = stored.get("contests")
    if not isinstance(per_contest, Mapping):
        raise ValueError("the result has no contests object")
    return dict(per_contest)


def recount(
    document: Mapping[str, Any], ballots: Sequence[Mapping[str, Choices]], seed: str
) -> dict[str, Any]:
    """The result document of counting ``ballots`` afresh, as the tally would store it."""
    results = count_ballots(document, ballots, seed)
    return result_document(results, blanks(document, ballots))


def recount_grouped(
    document: Mapping[str, Any],
    grouped: Mapping[str, Mapping[Choices, int]],
    blank: Mapping[str, int],
    seed: str,
    inputs: Mapping[str, CountInput] | None = None,
) -> dict[str, Any]:
    """The result document from each contest's distinct ballots and blank count (the verifier)."""
    return result_document(count_grouped(document, grouped, seed, inputs), blank)
