"""Ballot weights read from files: exact, and small enough to count with.

A weight is written as an integer (``3``), a decimal (``0.5``, ``1e3``) or a
fraction (``2/3``).  Files are untrusted, so a weight is refused before any
arithmetic when it could not be counted in reasonable time or printed in a
result: more than :data:`MAX_WEIGHT`, a denominator above
:data:`MAX_DENOMINATOR`, a very long number (``1111…`` with 4,300 digits) or a
huge exponent (``1e999999``, which would take a second just to expand).  The
readers also cap the common denominator of all the weights of a file
(:func:`common_denominator`): weights such as 1/p for many different primes p
would make every sum in the count grow without bound.
"""

from __future__ import annotations

import re
from fractions import Fraction
from math import lcm

from ballotbox.core.counting.model import Number

MAX_WEIGHT = 10**15
MAX_DENOMINATOR = 10**15
#: The most the weights of one file may need as a common denominator.
MAX_COMMON_DENOMINATOR = 10**18
_LONGEST = 40  # characters: 15 digits, a point, 15 decimals and an exponent fit easily
_DECIMAL = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?", re.ASCII)
_RATIO = re.compile(r"([+-]?)(\d+)/(\d+)", re.ASCII)


def shown(text: str, limit: int = 24) -> str:
    """``text`` cut to ``limit`` characters for an error message, saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def parse_fraction(text: str, what: str = "a number") -> Fraction:
    """The exact number ``text`` writes (``3``, ``-0.5``, ``1e3``, ``2/3``); ValueError if it
    is not one, or is too long or has too large an exponent to expand quickly."""
    text = text.strip()
    expected = what if what == "a number" else f"{what} (a number)"
    if len(text) > _LONGEST:
        raise ValueError(f"{what} has at most {_LONGEST} characters, found “{shown(text)}”")
    decimal = _DECIMAL.fullmatch(text)
    found = decimal or _RATIO.fullmatch(text)
    if found is None or not (found[2] or found[3]):
        raise ValueError(f"expected {expected}, found “{shown(text)}”")
    if decimal and decimal[4] and abs(int(decimal[4])) > 30:
        raise ValueError(f"{what} needs an exponent from -30 to 30, found “{text}”")
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"expected {expected}, found “{text}”") from None


def parse_weight(text: str) -> Number:
    """The exact non-negative weight ``text`` writes; ValueError with a reason otherwise."""
    value = parse_fraction(text, "a ballot weight")
    text = text.strip()
    if value < 0:
        raise ValueError(f"a ballot weight cannot be negative (“{text}”)")
    if value > MAX_WEIGHT:
        raise ValueError(f"a ballot weight can be at most {MAX_WEIGHT:,}, found “{text}”")
    if value.denominator > MAX_DENOMINATOR:
        raise ValueError(
            f"a ballot weight’s denominator can be at most {MAX_DENOMINATOR:,} "
            f"(15 decimal places), found “{text}”"
        )
    return value.numerator if value.denominator == 1 else value


def common_denominator(so_far: int, weight: Number) -> int:
    """The common denominator of the weights so far and ``weight``; ValueError past the cap."""
    if isinstance(weight, int):
        return so_far
    common = lcm(so_far, weight.denominator)
    if common > MAX_COMMON_DENOMINATOR:
        raise ValueError(
            "the ballot weights’ fractions have no common denominator up to "
            f"{MAX_COMMON_DENOMINATOR:,}; write the weights as decimals"
        )
    return common
