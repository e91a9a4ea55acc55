"""What the standard SMS replies cost, in segments, for an ASCII slate and a slate of Welsh names.

Each reply is a list of separate one-segment messages (see ``replies``); the
figures below are what a member receives and an organisation pays.  With the
default SMS spelling (``sms_transliterate``) Welsh names cost the same as
ASCII ones; with it off, a circumflex puts its messages into UCS-2.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ballotbox.adapters.sms import replies
from ballotbox.core import gsm7
from ballotbox.core.errors import (
    BallotboxError,
    ChoiceError,
    ElectionNotOpenError,
    RateLimitedError,
    TokenChecksumError,
    TokenFormatError,
    TokenUsedError,
    TokenVoidError,
    UnknownTokenError,
)
from ballotbox.core.i18n import using
from ballotbox.definition import ElectionDefinition, definition_from_dict
from ballotbox.services.casting import CastReceipt
from ballotbox.storage.models import Election

ASCII = ["Ann Example", "Bob Roberts", "Cara Jones", "Dai Evans",
         "Eve Hughes", "Fay Morgan", "Gwen Price", "Huw Davies"]  # fmt: skip
WELSH = ["Siân Ŵyn", "Gwenllïan Rhŷs", "Dafydd ap Gwŷn", "Elen Ffrâncon",
         "Rhodri Môn", "Ieuan Tŷ Gwyn", "Catrin Llŷr", "Owain Glyndŵr"]  # fmt: skip
ERRORS: list[BallotboxError] = [
    TokenFormatError(), TokenChecksumError(), UnknownTokenError(), TokenUsedError(),
    TokenVoidError(), ElectionNotOpenError(), RateLimitedError(), ChoiceError(),
]  # fmt: skip


def _slate(names: list[str], **extra: object) -> ElectionDefinition:
    return definition_from_dict(
        {
            "slug": "exec-2027",
            "title": "Executive 2027",
            "opens": datetime(2027, 1, 10, 9, tzinfo=UTC),
            "closes": datetime(2027, 1, 31, 17, tzinfo=UTC),
            "method": "scottish-stv",
            "seats": 6,
            "candidates": [{"number": i, "name": n} for i, n in enumerate(names, start=1)],
            **extra,
        }
    )


def _costs(messages: list[str]) -> list[tuple[bool, int]]:
    """Each message's alphabet (GSM-7 or not) and segment count."""
    return [(gsm7.is_gsm7(m), gsm7.segments(m)) for m in messages]


def _readback(definition: ElectionDefinition, names: list[str]) -> list[str]:
    receipt = CastReceipt(
        election="exec-2027", title="Executive 2027", channel="sms",
        receipt={"code": "K7M2QX4B"}, ballot={"A": [1, 2, 3, 4, 5, 6]},
        ballot_names={"A": names[:6]},
    )  # fmt: skip
    return replies.receipt_reply(receipt, definition, "https://vote.example.org")


@pytest.mark.parametrize("names", [ASCII, WELSH], ids=["ascii", "welsh"])
def test_ballot_request_and_six_preference_readback_cost_two_gsm7_segments(
    names: list[str],
) -> None:
    definition = _slate(names)
    with using("en"):
        election = Election(
            slug="exec-2027", title="Executive 2027", definition=definition.model_dump_json(),
            opens_at=definition.opens, closes_at=definition.closes,
        )  # fmt: skip
        ballot = replies.ballot_reply(election, definition)
        readback = _readback(definition, names)
    assert _costs(ballot) == [(True, 1), (True, 1)]
    assert _costs(readback) == [(True, 1), (True, 1)]
    # No choice is cut between two messages.
    for number, name in enumerate(names[:6], start=1):
        spelt = gsm7.transliterate(f"{number} {name}")
        assert sum(spelt in m for m in readback) == 1, spelt


def test_without_sms_spelling_welsh_names_cost_ucs2_but_stay_whole() -> None:
    definition = _slate(WELSH, sms_transliterate=False)
    with using("en"):
        readback = _readback(definition, WELSH)
    costs = _costs(readback)
    assert len(readback) == 4 and all(segments == 1 for _, segments in costs)
    assert [gsm for gsm, _ in costs] == [True, False, False, True]  # only the names' parts
    for number, name in enumerate(WELSH[:6], start=1):
        assert sum(f"{number} {name}" in m for m in readback) == 1, name


@pytest.mark.parametrize("names", [ASCII, WELSH], ids=["ascii", "welsh"])
@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_every_error_reply_is_one_gsm7_segment(names: list[str], error: BallotboxError) -> None:
    with using("en"):
        reply = replies.error_reply(error, _slate(names))
    assert _costs(reply) == [(True, 1)]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_every_welsh_error_reply_is_one_gsm7_segment(error: BallotboxError) -> None:
    with using("cy"):
        reply = replies.error_reply(error, _slate(WELSH))
    assert _costs(reply) == [(True, 1)]


def test_a_ballot_that_keeps_its_letters_stores_the_setting_and_others_do_not() -> None:
    assert "sms_transliterate" not in _slate(ASCII).document()
    assert _slate(ASCII, sms_transliterate=False).document()["sms_transliterate"] is False
