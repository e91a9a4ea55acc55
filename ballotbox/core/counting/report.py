"""Result renderers: a CSV of every round and a human-readable result sheet."""

from __future__ import annotations

import io

from ballotbox.core.counting.model import Number, Result, Round, decimal_str, number_str
from ballotbox.core.spreadsheet import SafeWriter

_ACTIONS = {
    "first-preferences": "First preferences",
    "surplus": "Surplus of {who}",
    "exclusion": "Exclusion of {who}",
    "count": "Count",
}


def describe(result: Result, round_: Round) -> str:
    """The round's action in words, e.g. "Surplus of Ann Adams"."""
    who = ", ".join(result.candidates[c] for c in round_.subjects)
    text = _ACTIONS.get(round_.action, round_.action).format(who=who)
    if round_.note:
        text += f" ({round_.note})"
    return text


def result_csv(result: Result) -> str:
    """One row per round and candidate: votes, transfer, and the round's action and totals."""
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(
        [
            "round",
            "action",
            "candidate",
            "votes",
            "transfer",
            "status",
            "exhausted",
            "loss",
            "quota",
        ]
    )
    for round_ in result.rounds:
        for c, name in enumerate(result.candidates):
            status = (
                "elected" if c in round_.elected else "excluded" if c in round_.excluded else ""
            )
            writer.writerow(
                [
                    round_.number,
                    describe(result, round_),
                    name,
                    number_str(round_.votes[c]),
                    number_str(round_.transfers[c]),
                    status,
                    number_str(round_.exhausted),
                    number_str(round_.loss),
                    "" if round_.quota is None else number_str(round_.quota),
                ]
            )
    return out.getvalue()


def _fmt(value: Number, places: int) -> str:
    return decimal_str(value, places) if places else number_str(value)


def result_sheet(result: Result, places: int = 5) -> str:
    """A printable result sheet: one column per stage, as official sheets are laid out."""
    if result.method in {"plurality", "approval", "referendum"}:
        places = 0
    lines = [
        result.title or "Result",
        f"Method: {result.method}   Seats: {result.seats}"
        f"   Valid poll: {number_str(result.valid_poll)}",
    ]
    if result.quota is not None:
        lines.append(f"Quota: {number_str(result.quota)}")
    if result.seed:
        lines.append(f"Tie-break seed: {result.seed}")
    width = max(len(name) for name in [*result.candidates, "Non-transferable"]) + 2
    for round_ in result.rounds:
        lines.append("")
        lines.append(f"Stage {round_.number}: {describe(result, round_)}")
        if round_.quota is not None and round_.quota != result.quota:
            lines.append(f"  Quota at this stage: {_fmt(round_.quota, places)}")
        for c, name in enumerate(result.candidates):
            mark = (
                " elected" if c in round_.elected else " excluded" if c in round_.excluded else ""
            )
            change = round_.transfers[c]
            delta = (
                ""
                if round_.action in {"first-preferences", "count"} or not change
                else f"  ({'+' if change > 0 else ''}{_fmt(change, places)})"
            )
            lines.append(f"  {name:<{width}}{_fmt(round_.votes[c], places):>16}{delta}{mark}")
        if round_.action != "count":
            lines.append(f"  {'Non-transferable':<{width}}{_fmt(round_.exhausted, places):>16}")
        if round_.loss:
            lines.append(f"  {'Loss (truncation)':<{width}}{_fmt(round_.loss, places):>16}")
        for tie in round_.tie_breaks:
            tied = ", ".join(result.candidates[c] for c in tie.tied)
            lines.append(
                f"  Tie ({tie.purpose}) between {tied}: "
                f"{result.candidates[tie.chosen]} by {tie.rule}"
            )
    lines.append("")
    if result.outcome is not None:
        lines.append(f"Outcome: {result.outcome}")
        for key, value in result.details.items():
            lines.append(f"  {key}: {value}")
    else:
        lines.append("Elected: " + "; ".join(result.elected_names()))
        if "final_two" in result.details:
            lines.append("Final two: " + result.details["final_two"])
    return "\n".join(lines) + "\n"
