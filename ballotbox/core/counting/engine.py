"""``count()``: check the input once, then hand it to the chosen method."""

from __future__ import annotations

from collections.abc import Callable

from ballotbox.core.counting.irv import count_irv
from ballotbox.core.counting.meek import count_meek
from ballotbox.core.counting.model import CountInput, CountOptions, Result
from ballotbox.core.counting.profile import Profile
from ballotbox.core.counting.scottish import count_scottish
from ballotbox.core.counting.simple import count_approval, count_plurality, count_referendum
from ballotbox.core.errors import InputError
from ballotbox.core.vocabulary import METHODS, REFERENDUM_ANSWERS

_COUNTS: dict[str, Callable[[CountInput, CountOptions], Result]] = {
    "scottish-stv": count_scottish,
    "meek-stv": count_meek,
    "irv": count_irv,
    "plurality": count_plurality,
    "approval": count_approval,
    "referendum": count_referendum,
}


def validate(method: str, data: CountInput) -> None:
    """Raise InputError for a method, seat number or candidate list the count cannot use."""
    if method not in METHODS:
        raise InputError(
            "Unknown counting method “{method}”; choose one of {choices}.",
            method=method,
            choices=", ".join(METHODS),
        )
    n = len(data.candidates)
    if n == 0:
        raise InputError("There are no candidates to count.")
    if data.seats < 1:
        raise InputError("The number of seats must be at least 1, not {seats}.", seats=data.seats)
    if method == "irv" and data.seats != 1:
        raise InputError(
            "IRV fills one seat; use scottish-stv or meek-stv for {seats}.", seats=data.seats
        )
    if method == "referendum" and tuple(data.candidates) != REFERENDUM_ANSWERS:
        raise InputError("A referendum's choices must be exactly Yes, No, Abstain.")
    if any(not 0 <= c < n for c in data.withdrawn):
        raise InputError("A withdrawn candidate number does not exist.")
    if data.colleges is not None and len(data.colleges) != len(data.ballots):
        raise InputError("There must be one college per ballot.")
    ballots = data.ballots
    weights = ballots.weights if isinstance(ballots, Profile) else (w for _r, w in ballots)
    if any(weight < 0 for weight in weights):
        raise InputError("A ballot weight cannot be negative.")


def count(method: str, data: CountInput, options: CountOptions | None = None) -> Result:
    """Count ``data`` by ``method`` (one of METHODS) and return the result with every round."""
    validate(method, data)
    return _COUNTS[method](data, options or CountOptions())
