"""Fixtures for the card, register and label tests: fixed tokens, no randomness."""

from __future__ import annotations

import random

import pytest

from ballotbox.core.printing.cards import CardData, CardInfo, MethodHint
from ballotbox.core.tokens.format import generate


def make_cards(count: int, seed: int = 7) -> list[CardData]:
    """``count`` cards with reproducible tokens and serials 000001, 000002…"""
    rng = random.Random(seed)
    return [CardData(generate(rng.randrange), f"{n:06d}") for n in range(1, count + 1)]


@pytest.fixture
def info() -> CardInfo:
    """A ballot with every channel enabled (the most text a card has to hold)."""
    return CardInfo(
        organisation="Example Union — North West Region",
        title="Branch Committee Election 2025",
        public_url="https://vote.example.org/",
        closes="5pm, Friday 16 May 2025",
        method=MethodHint("rank", candidates=7),
        sms_number="0770 090 0123",
        phone_number="0800 123 4567",
        postal_address="Returning Officer\nFREEPOST RTKE-ABCD\nManchester M1 1AA",
    )
