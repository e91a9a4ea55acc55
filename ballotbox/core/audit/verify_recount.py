"""The verifier's recount: count ballots.csv again and compare with result.json round by round.

:func:`count_input` is the one mapping from the published definition and
ballots to the counting engine's plain input; the tally should use it too, so
the published result and the recount cannot disagree by construction.
Pure: standard library, PyNaCl and ``ballotbox.core.counting``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from ballotbox.core.counting import CountInput, CountOptions, count


def candidates(definition: dict[str, Any]) -> list[tuple[int, str]]:
    """(number, name) of every candidate (or referendum answer) in election.json, by number."""
    found: list[tuple[int, str]] = []
    for entry in definition.get("candidates", []):
        if isinstance(entry, dict) and isinstance(entry.get("number"), int):
            found.append((entry["number"], str(entry.get("name", ""))))
    return sorted(found)


def count_input(definition: dict[str, Any], choices: Sequence[Sequence[int]]) -> CountInput:
    """The CountInput for a definition document and each ballot's candidate numbers."""
    listed = candidates(definition)
    ids = {number: i for i, (number, _) in enumerate(listed)}
    # Each choice is its own preference level, as the tally does; the engine
    # reads plurality, approval and referendum ballots as the set of levels.
    grouped = Counter(tuple((ids[c],) for c in picked) for picked in choices)
    groups: dict[str, set[int]] = {}
    for entry in definition.get("candidates", []):
        if isinstance(entry, dict) and entry.get("group"):
            groups.setdefault(str(entry["group"]), set()).add(ids[entry["number"]])
    return CountInput(
        candidates=[name for _, name in listed],
        seats=int(definition.get("seats", 1)),
        ballots=sorted(grouped.items()),
        title=str(definition.get("title", "")),
        groups={name: frozenset(members) for name, members in groups.items()},
    )


def count_options(definition: dict[str, Any], seed: str) -> CountOptions:
    """The CountOptions a definition document asks for, with the committed tie-break seed."""
    return CountOptions(
        seed=seed,
        referendum_threshold=Fraction(str(definition.get("threshold", "1/2"))),
        abstentions_count=bool(definition.get("abstentions_count", False)),
        group_minimums={
            str(rule["group"]): int(rule["minimum"])
            for rule in definition.get("group_minimums", [])
        },
    )


def recount(
    definition: dict[str, Any], choices: Sequence[Sequence[int]], seed: str
) -> dict[str, Any]:
    """The result of counting the published ballots afresh, as result.json would hold it."""
    method = str(definition.get("method"))
    result = count(method, count_input(definition, choices), count_options(definition, seed))
    return result.to_json()


def compare_results(published: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """Every difference between result.json and the recount, naming the round and field."""
    problems: list[str] = []
    for key in sorted((set(published) | set(fresh)) - {"rounds"}):
        if published.get(key) != fresh.get(key):
            problems.append(
                f"result.json: {key} is {_short(published.get(key))}; "
                f"the recount gives {_short(fresh.get(key))}"
            )
    ours = published.get("rounds") or []
    theirs = fresh.get("rounds") or []
    if len(ours) != len(theirs):
        problems.append(f"result.json has {len(ours)} rounds; the recount has {len(theirs)}")
    for number, (mine, again) in enumerate(zip(ours, theirs, strict=False), start=1):
        if mine == again:
            continue
        if not isinstance(mine, dict) or not isinstance(again, dict):
            problems.append(f"result.json, round {number}: not a round object")
            continue
        for field in sorted(set(mine) | set(again)):
            a, b = mine.get(field), again.get(field)
            if isinstance(a, dict) and isinstance(b, dict):
                for name in sorted(set(a) | set(b)):
                    if a.get(name) != b.get(name):
                        problems.append(
                            f"result.json, round {number}: {field} for {name} is "
                            f"{a.get(name)!r}; the recount gives {b.get(name)!r}"
                        )
            elif a != b:
                problems.append(
                    f"result.json, round {number}: {field} is {_short(mine.get(field))}; "
                    f"the recount gives {_short(again.get(field))}"
                )
    return problems


def _short(value: Any) -> str:
    """A value for a message, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "..."
