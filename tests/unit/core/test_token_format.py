"""The token format: generation, forgiving parsing, distinct errors."""

from __future__ import annotations

import random

import pytest

from ballotbox.core.errors import TokenCharacterError, TokenChecksumError, TokenLengthError
from ballotbox.core.tokens.format import (
    LENGTH,
    Token,
    check_digits,
    generate,
    group,
    is_valid_checksum,
    parse,
)

GOLDEN = "48210937551288403316"  # not a real card; used for the display golden


def seeded(seed: int = 1):
    rng = random.Random(seed)
    return lambda n: rng.randrange(n)


def test_generated_tokens_are_20_digits_with_a_valid_checksum() -> None:
    for _ in range(200):
        token = generate()
        assert len(token.digits) == LENGTH and token.digits.isdigit()
        assert is_valid_checksum(token.digits)


def test_generation_uses_the_injected_random_source() -> None:
    assert generate(seeded(7)) == generate(seeded(7))
    assert generate(seeded(7)) != generate(seeded(8))


def test_check_digits_follow_iso_7064_mod_97_10() -> None:
    # IBAN-style: payload + check digits is 1 mod 97.
    payload = "482109375512884033"
    assert int(payload + check_digits(payload)) % 97 == 1
    assert check_digits("000000000000000000") == "98"


def test_display_is_groups_of_four() -> None:
    token = parse(group(generate(seeded()).digits))
    assert token.grouped.count(" ") == 4
    assert [len(part) for part in token.grouped.split(" ")] == [4, 4, 4, 4, 4]
    assert group("12345678") == "1234 5678"


@pytest.mark.parametrize(
    "typed",
    [
        "{g}",
        "{d}",
        "  {g}  ",
        "{dashed}",
        "{dotted}",
        '"{g}"',
        "({d})",
        "{d}.",
        "#{g}",
        "{g}\n",
        "{nbsp}",
    ],
)
def test_parsing_forgives_separators_and_one_stray_edge_character(typed: str) -> None:
    token = generate(seeded(3))
    text = typed.format(
        g=token.grouped,
        d=token.digits,
        dashed=token.grouped.replace(" ", "-"),
        dotted=token.grouped.replace(" ", "."),
        nbsp=token.grouped.replace(" ", "\u00a0"),
    )
    assert parse(text) == token


def test_wrong_length_and_bad_checksum_are_distinct_errors() -> None:
    token = generate(seeded(4))
    with pytest.raises(TokenLengthError) as short:
        parse(token.digits[:-1])
    assert "19 digits" in short.value.message and "20" in short.value.message
    with pytest.raises(TokenLengthError):
        parse(token.digits + "0")
    wrong = token.digits[:5] + str((int(token.digits[5]) + 1) % 10) + token.digits[6:]
    with pytest.raises(TokenChecksumError) as typo:
        parse(wrong)
    assert "typing error" in typo.value.message


def test_letters_are_named_with_their_position() -> None:
    with pytest.raises(TokenCharacterError) as error:
        parse("4821 O937 5512 8840 3316")
    assert "“O” at position 5" in error.value.message


def test_two_junk_characters_are_not_forgiven() -> None:
    token = generate(seeded(5))
    with pytest.raises(TokenCharacterError):
        parse("((" + token.digits)


def test_repr_never_shows_the_whole_token() -> None:
    token = generate(seeded(6))
    assert token.digits not in repr(token)
    assert token.digits[4:] not in repr(Token(token.digits))


def test_the_keyed_token_hash_is_pynacls_blake2b_byte_for_byte() -> None:
    """The stored and published hash (FORMAT.md) is BLAKE2b-256 keyed with the election's key:
    the standard library's, which the verifier uses, gives PyNaCl's bytes for every key."""
    import nacl.encoding  # noqa: PLC0415 - only this test compares with PyNaCl
    import nacl.hash  # noqa: PLC0415

    from ballotbox.core.tokens.hashing import token_hash  # noqa: PLC0415

    for seed in range(20):
        key = bytes((seed * 7 + i) % 256 for i in range(32))
        token = generate(random.Random(seed).randrange)
        by_nacl = nacl.hash.blake2b(
            token.encode(), digest_size=32, key=key, encoder=nacl.encoding.RawEncoder
        )
        assert token_hash(token, key) == by_nacl
