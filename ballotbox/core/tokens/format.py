"""The ballot token: 18 random digits and 2 ISO 7064 MOD 97-10 check digits.

Digits only, so keypads, texts, handwriting and reading aloud all work.  The
check digits catch every single-digit typing error and every swap of two
neighbouring digits; they add no security (that comes from the 10^18 random
part, keyed storage and rate limits).

This module is pure: standard library only.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from ballotbox.core.errors import TokenCharacterError, TokenChecksumError, TokenLengthError

RANDOM_DIGITS = 18
CHECK_DIGITS = 2
LENGTH = RANDOM_DIGITS + CHECK_DIGITS
GROUP = 4

# Separators people type or that copy-paste brings along; ignored anywhere.
_SEPARATORS = frozenset(" \t\r\n-._\u00a0\u2009\u202f\u2010\u2011\u2012\u2013\u2014")
# One stray character of this kind at either end is forgiven (quotes, brackets,
# punctuation picked up when copying the token out of a sentence or an email).
_EDGE_JUNK = frozenset("\"'`«»“”‘’()[]{}<>,;:!?*#/\\|")


def check_digits(payload: str) -> str:
    """The two MOD 97-10 check digits for a string of digits (as IBAN)."""
    return f"{98 - (int(payload + '00') % 97):02d}"


def is_valid_checksum(digits: str) -> bool:
    """True when a digit string (payload and check digits) satisfies MOD 97-10."""
    return int(digits) % 97 == 1


@dataclass(frozen=True, slots=True)
class Token:
    """A well-formed ballot token.  ``digits`` is always the 20-digit canonical form."""

    digits: str

    def __str__(self) -> str:
        return self.digits

    def __repr__(self) -> str:
        # Never let a token leak whole into a log line or a traceback.
        return f"Token({self.digits[:4]}…)"

    @property
    def grouped(self) -> str:
        """The token as printed on the card: groups of four separated by spaces."""
        return group(self.digits)

    def encode(self) -> bytes:
        """The canonical bytes hashed for storage and commitments."""
        return self.digits.encode("ascii")


def group(digits: str, size: int = GROUP, sep: str = " ") -> str:
    """Split ``digits`` into groups of ``size`` for display."""
    return sep.join(digits[i : i + size] for i in range(0, len(digits), size))


def generate(randbelow: Callable[[int], int] = secrets.randbelow) -> Token:
    """A new random token.  ``randbelow`` defaults to the OS CSPRNG; tests inject their own."""
    payload = f"{randbelow(10**RANDOM_DIGITS):0{RANDOM_DIGITS}d}"
    return Token(payload + check_digits(payload))


def normalise(text: str) -> str:
    """Strip separators and one stray edge character; raise if anything else is not a digit."""
    cleaned = "".join(ch for ch in text if ch not in _SEPARATORS)
    if cleaned and cleaned[0] in _EDGE_JUNK:
        cleaned = cleaned[1:]
    if cleaned and cleaned[-1] in _EDGE_JUNK:
        cleaned = cleaned[:-1]
    for position, ch in enumerate(cleaned, start=1):
        if not ("0" <= ch <= "9"):
            raise TokenCharacterError(character=ch, position=position)
    return cleaned


def parse(text: str) -> Token:
    """Read a token as a person typed it, or say exactly what is wrong with it.

    Forgiving about form (spaces, dashes, dots, a stray quote or bracket at
    either end), strict about meaning: a wrong number of digits and a failed
    checksum are different errors, both raised before anything is looked up.
    """
    digits = normalise(text)
    if len(digits) != LENGTH:
        raise TokenLengthError(found=len(digits), expected=LENGTH)
    if not is_valid_checksum(digits):
        raise TokenChecksumError()
    return Token(digits)


def looks_like_token(text: str) -> bool:
    """True when ``text`` parses as a valid token (no exception)."""
    try:
        parse(text)
    except (TokenCharacterError, TokenLengthError, TokenChecksumError):
        return False
    return True
