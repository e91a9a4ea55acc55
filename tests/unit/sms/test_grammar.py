"""The SMS grammar: forgiving about form, precise about what is wrong.

Whatever is sent, the parser raises nothing but a domain error.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballotbox.adapters.sms.grammar import (
    Ballot,
    BallotRequest,
    Help,
    Vote,
    read_message,
    read_preferences,
)
from ballotbox.core.errors import BallotboxError, ChoiceError, InputError, TokenLengthError
from ballotbox.core.tokens.format import check_digits

PAYLOAD = "482109375512884033"
TOKEN = PAYLOAD + check_digits(PAYLOAD)
GROUPED = " ".join(TOKEN[i : i + 4] for i in range(0, 20, 4))
FOUR = Ballot.of([1, 2, 3, 4])
TWELVE = Ballot.of(range(1, 13))
YES_NO = Ballot.of([1, 2, 3], yes_no=True)


@pytest.mark.parametrize("text", ["HELP", "help", "  Help ", "?", "", "   ", "info"])
def test_help_and_empty_texts_ask_for_instructions(text: str) -> None:
    assert read_message(text) == Help()


@pytest.mark.parametrize(
    "text",
    [TOKEN, GROUPED, GROUPED.replace(" ", "-"), f"  {GROUPED.lower()}  ", f"Token: {GROUPED}",
     GROUPED.replace(" ", "."), f"{GROUPED} help", "\uff14" + TOKEN[1:]],
)  # fmt: skip
def test_the_token_alone_asks_for_the_ballot(text: str) -> None:
    assert read_message(text) == BallotRequest(TOKEN)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (f"{GROUPED} 3 1 2", ("3", "1", "2")),
        (f"{GROUPED} 3,1,2", ("3", "1", "2")),
        (f"{GROUPED}, 3, 1, 2", ("3", "1", "2")),
        (f"{GROUPED}   312", ("312",)),
        (f"{TOKEN}312", ("312",)),  # no space between token and choices: the checksum decides
        (f"{GROUPED.replace(' ', '-')} c a b", ("C", "A", "B")),
        (f"{GROUPED} yes", ("YES",)),
        (f"{GROUPED}\n3>1>2", ("3", "1", "2")),
    ],
)
def test_a_vote_is_the_token_then_the_preference_words(text: str, words: tuple[str, ...]) -> None:
    assert read_message(text) == Vote(TOKEN, words)


def test_a_token_short_of_a_digit_is_not_silently_completed_from_the_choices() -> None:
    # 19 digits then "3 1 2": the 3 completes twenty digits, and the checksum decides.
    message = read_message(f"{GROUPED[:-1]} 3 1 2")
    assert isinstance(message, Vote) and message.token == TOKEN[:-1] + "3"


def test_a_run_of_more_than_twenty_digits_with_a_bad_checksum_is_a_length_error() -> None:
    bad = TOKEN[:19] + str((int(TOKEN[19]) + 1) % 10)
    with pytest.raises(TokenLengthError) as caught:
        read_message(bad + "312")
    assert "23 digits" in caught.value.message


@pytest.mark.parametrize("text", ["YES", "vote for Ann", "hello there friend"])
def test_a_text_without_a_token_says_to_start_with_it(text: str) -> None:
    with pytest.raises(InputError, match="Start with the ballot token"):
        read_message(text)


@pytest.mark.parametrize(
    ("words", "ballot", "choices"),
    [
        (["3", "1", "2"], FOUR, [3, 1, 2]),
        (["312"], FOUR, [3, 1, 2]),
        (["3-1-2"], FOUR, [3, 1, 2]),
        (["CAB"], FOUR, [3, 1, 2]),
        (["C", "A"], FOUR, [3, 1]),
        (["12", "3", "10"], TWELVE, [12, 3, 10]),
        (["03"], TWELVE, [3]),
        (["YES"], YES_NO, [1]),
        (["n"], YES_NO, [2]),
        (["ABSTAIN"], YES_NO, [3]),
        (["2"], YES_NO, [2]),
        (["9"], FOUR, [9]),  # existence is validate_choices' job, with its own words
        (["2", "2"], FOUR, [2, 2]),
    ],
)
def test_preferences_read_as_candidate_numbers(
    words: list[str], ballot: Ballot, choices: list[int]
) -> None:
    assert read_preferences([w.upper() for w in words], ballot) == choices


@pytest.mark.parametrize(
    ("words", "ballot", "message"),
    [
        (["312"], TWELVE, "There is no candidate 312. Put spaces between candidate numbers"),
        (["E"], FOUR, "There is no candidate E."),
        (["YES"], FOUR, "not a yes/no question"),
        (["3X"], FOUR, "“3X” is not a candidate number."),
        (["MAYBE"], YES_NO, "“MAYBE” is not an answer"),
    ],
)
def test_unreadable_preferences_say_which_word(
    words: list[str], ballot: Ballot, message: str
) -> None:
    with pytest.raises(ChoiceError) as caught:
        read_preferences(words, ballot)
    assert message in caught.value.message


ballots = st.sampled_from([FOUR, TWELVE, YES_NO, Ballot.of([1, 5, 999])])
WORDS = [TOKEN, GROUPED, "3", "1,2", "312", "YES", "no", "-", "#", "A", "zz", "0"]
WORDS += ["99999999999999999999999", "\u0663", "\uff13", " ", "HELP"]
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join),
)


@settings(max_examples=600, deadline=None)
@given(text=texts, ballot=ballots)
def test_any_text_gives_a_message_or_a_domain_error_never_a_crash(
    text: str, ballot: Ballot
) -> None:
    try:
        message = read_message(text)
    except BallotboxError:
        return
    if isinstance(message, Vote):
        # The token's length and checksum are checked next, by ballotbox.core.tokens.format.parse.
        assert message.token.isascii() and message.token.isdigit() and len(message.token) <= 20
        try:
            choices = read_preferences(message.preferences, ballot)
        except BallotboxError:
            return
        assert all(isinstance(c, int) for c in choices)
    elif isinstance(message, BallotRequest):
        assert message.token.isdigit() or message.token == ""


@settings(max_examples=300, deadline=None)
@given(order=st.permutations([1, 2, 3, 4]), sep=st.sampled_from([" ", ",", ", ", "-", "  ", ""]),
       letters=st.booleans(), case=st.sampled_from([str.upper, str.lower]))  # fmt: skip
def test_every_documented_spelling_of_a_ranking_reads_the_same(
    order: list[int], sep: str, letters: bool, case: object
) -> None:
    marks = [("ABCD"[n - 1] if letters else str(n)) for n in order]
    message = read_message(case(f"{GROUPED} " + sep.join(marks)))  # type: ignore[operator]
    assert isinstance(message, Vote) and message.token == TOKEN
    assert read_preferences(message.preferences, FOUR) == order
