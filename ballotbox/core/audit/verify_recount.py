"""The verifier's recount: count ballots.csv again and compare with result.json round by round.

The mapping from the published definition and ballots to the counting
engine's input is :mod:`ballotbox.core.contests`, the very code the tally
counts with, so the published result and the recount cannot disagree by
construction.  On a ballot of several contests every contest is recounted and
each difference names its contest.
Pure: standard library, PyNaCl and ``ballotbox.core.counting``.
"""

from __future__ import annotations

from typing import Any

from ballotbox.core import contests


def compare_documents(
    definition: dict[str, Any], published: dict[str, Any], fresh: dict[str, Any]
) -> list[str]:
    """Every difference between result.json and the recount, naming contest, round and field."""
    if contests.is_single(definition):
        return compare_results(published, fresh)
    problems: list[str] = []
    theirs = fresh["contests"]
    ours = published.get("contests")
    if not isinstance(ours, dict):
        return ["result.json: no contests object (a ballot of several contests)"]
    for key in sorted(set(ours) - set(theirs)):
        problems.append(f"result.json: contest {key} is not on this ballot")
    for key in contests.keys(definition):
        where = f"result.json, contest {key}"
        if key not in ours:
            problems.append(f"{where}: missing (the recount counts it)")
        elif not isinstance(ours[key], dict):
            problems.append(f"{where}: not a result object")
        else:
            problems.extend(compare_results(ours[key], theirs[key], where))
    blank = published.get("blank")
    if blank != fresh["blank"]:
        for key in contests.keys(definition):
            mine = blank.get(key) if isinstance(blank, dict) else None
            if mine != fresh["blank"][key]:
                problems.append(
                    f"result.json, contest {key}: {mine!r} blank ballots; "
                    f"the recount finds {fresh['blank'][key]}"
                )
    for extra in sorted(set(published) - {"contests", "blank"}):
        problems.append(f"result.json: unexpected field {extra!r}")
    return problems


def compare_results(
    published: dict[str, Any], fresh: dict[str, Any], where: str = "result.json"
) -> list[str]:
    """Every difference between one published count and its recount, naming round and field."""
    problems: list[str] = []
    for key in sorted((set(published) | set(fresh)) - {"rounds"}):
        if published.get(key) != fresh.get(key):
            problems.append(
                f"{where}: {key} is {_short(published.get(key))}; "
                f"the recount gives {_short(fresh.get(key))}"
            )
    ours = published.get("rounds") or []
    theirs = fresh.get("rounds") or []
    if len(ours) != len(theirs):
        problems.append(f"{where} has {len(ours)} rounds; the recount has {len(theirs)}")
    for number, (mine, again) in enumerate(zip(ours, theirs, strict=False), start=1):
        if mine == again:
            continue
        if not isinstance(mine, dict) or not isinstance(again, dict):
            problems.append(f"{where}, round {number}: not a round object")
            continue
        for field in sorted(set(mine) | set(again)):
            a, b = mine.get(field), again.get(field)
            if isinstance(a, dict) and isinstance(b, dict):
                for name in sorted(set(a) | set(b)):
                    if a.get(name) != b.get(name):
                        problems.append(
                            f"{where}, round {number}: {field} for {name} is "
                            f"{a.get(name)!r}; the recount gives {b.get(name)!r}"
                        )
            elif a != b:
                problems.append(
                    f"{where}, round {number}: {field} is {_short(mine.get(field))}; "
                    f"the recount gives {_short(again.get(field))}"
                )
    return problems


def _short(value: Any) -> str:
    """A value for a message, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "..."
