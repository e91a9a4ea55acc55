"""Property: the check digits catch every single-digit typo and every neighbour swap."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ballotbox.core.errors import TokenChecksumError
from ballotbox.core.tokens.format import LENGTH, Token, generate, parse

payloads = st.integers(min_value=0, max_value=10**18 - 1)


def token_from(n: int) -> Token:
    return generate(lambda _bound: n)


@given(payloads, st.integers(0, LENGTH - 1), st.integers(1, 9))
def test_every_single_digit_substitution_is_rejected(n: int, position: int, shift: int) -> None:
    digits = token_from(n).digits
    changed = str((int(digits[position]) + shift) % 10)
    typo = digits[:position] + changed + digits[position + 1 :]
    with pytest.raises(TokenChecksumError):
        parse(typo)


@given(payloads, st.integers(0, LENGTH - 2))
def test_every_adjacent_transposition_is_rejected(n: int, position: int) -> None:
    digits = token_from(n).digits
    a, b = digits[position], digits[position + 1]
    if a == b:
        return  # swapping equal digits is no error at all
    swapped = digits[:position] + b + a + digits[position + 2 :]
    with pytest.raises(TokenChecksumError):
        parse(swapped)


@given(payloads, st.lists(st.sampled_from([" ", "-", ".", "  "]), min_size=19, max_size=19))
def test_any_separators_between_digits_parse_to_the_same_token(n: int, seps: list[str]) -> None:
    token = token_from(n)
    typed = "".join(d + s for d, s in zip(token.digits, [*seps, ""], strict=True))
    assert parse(typed) == token
