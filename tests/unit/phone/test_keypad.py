"""Keypad entries and the sealed call state: understood or refused, never a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballotbox.adapters.phone import state
from ballotbox.adapters.phone.keypad import (
    Finish,
    Pick,
    Repeat,
    Undo,
    add_choice,
    read_entry,
    read_token,
    split_keys,
)
from ballotbox.core.errors import (
    BallotboxError,
    ChoiceError,
    TokenCharacterError,
    TokenChecksumError,
    TokenLengthError,
)
from ballotbox.core.tokens.format import check_digits

PAYLOAD = "482109375512884033"
TOKEN = PAYLOAD + check_digits(PAYLOAD)
AUTH = "secret"  # noqa: S105 - a test key, not a real one
NOW = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)


def test_a_keyed_token_is_checked_for_length_and_checksum_at_once() -> None:
    assert read_token(TOKEN).digits == TOKEN
    with pytest.raises(TokenLengthError):
        read_token(TOKEN[:-1])
    with pytest.raises(TokenChecksumError):
        read_token(TOKEN[:5] + TOKEN[6] + TOKEN[5] + TOKEN[7:])  # two neighbours swapped
    with pytest.raises(TokenCharacterError):
        read_token(TOKEN[:10] + "*" + TOKEN[11:])


@pytest.mark.parametrize(
    ("keys", "entry"),
    [
        ("", Finish()),
        ("0", Repeat()),
        ("00", Repeat()),
        ("3", Pick(3)),
        ("012", Pick(12)),
        ("999", Pick(999)),
        ("*", Undo()),
    ],
)
def test_entries(keys: str, entry: object) -> None:
    assert read_entry(keys) == entry


@pytest.mark.parametrize("keys", ["**", "1*", "*1", "1000", "12345678901234567890"])
def test_bad_entries_are_choice_errors(keys: str) -> None:
    with pytest.raises(ChoiceError):
        read_entry(keys)


def test_add_choice_refuses_missing_and_repeated_candidates() -> None:
    assert add_choice([3], 1, {1, 2, 3}, ranked=True) == [3, 1]
    with pytest.raises(ChoiceError, match="Candidate 9 does not exist"):
        add_choice([], 9, {1, 2, 3}, ranked=True)
    with pytest.raises(ChoiceError, match="ranked candidate 3 twice"):
        add_choice([3], 3, {1, 2, 3}, ranked=True)
    with pytest.raises(ChoiceError, match="chose candidate 3 twice"):
        add_choice([3], 3, {1, 2, 3}, ranked=False)


def test_split_keys_gives_one_entry_per_hash() -> None:
    assert split_keys(f"{TOKEN}#1#3##1") == [TOKEN, "1", "3", "", "1"]
    assert split_keys("1#") == ["1"]


@settings(max_examples=500, deadline=None)
@given(keys=st.text(alphabet="0123456789*#", max_size=40) | st.text(max_size=40))
def test_any_keys_give_an_entry_or_a_domain_error(keys: str) -> None:
    for reader in (read_token, read_entry):
        try:
            reader(keys)
        except BallotboxError:
            pass


def _seal(progress: state.CallState, sid: str = "CA1", when: datetime = NOW) -> str:
    return state.seal(progress, auth_token=AUTH, call_sid=sid, now=when, nonce=b"\x01" * 24)


def test_state_round_trips_for_the_same_call_only() -> None:
    progress = state.CallState(stage="choose", token=TOKEN, election="e", choices=[3, 1])
    sealed = _seal(progress)
    assert TOKEN not in sealed and "choose" not in sealed
    opened = state.open_state(sealed, auth_token=AUTH, call_sid="CA1", now=NOW)
    assert (opened.stage, opened.token, opened.choices) == ("choose", TOKEN, [3, 1])
    for sid, token in (("CA2", "secret"), ("CA1", "other")):
        with pytest.raises(state.StateError):
            state.open_state(sealed, auth_token=token, call_sid=sid, now=NOW)


def test_state_expires_and_refuses_tampering() -> None:
    sealed = _seal(state.CallState())
    with pytest.raises(state.StateError):
        state.open_state(sealed, auth_token=AUTH, call_sid="CA1", now=NOW + timedelta(hours=1))
    flipped = sealed[:30] + ("A" if sealed[30] != "A" else "B") + sealed[31:]
    for text in (flipped, "", "!!!", sealed[:-4]):
        with pytest.raises(state.StateError):
            state.open_state(text, auth_token=AUTH, call_sid="CA1", now=NOW)
