"""The SMS grammar on a ballot of several contests: ``TOKEN A 3 1 2 B 2 C YES``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballotbox.adapters.sms.grammar import Ballot, Vote, example, read_ballot, read_message
from ballotbox.core.errors import BallotboxError, ChoiceError
from ballotbox.core.tokens.format import check_digits

PAYLOAD = "482109375512884033"
TOKEN = PAYLOAD + check_digits(PAYLOAD)
GROUPED = " ".join(TOKEN[i : i + 4] for i in range(0, 20, 4))
THREE = {
    "A": Ballot.of(range(1, 7)),
    "B": Ballot.of([1, 2, 3]),
    "C": Ballot.of([1, 2, 3], yes_no=True),
}
TWELVE = {"A": Ballot.of(range(1, 13)), "B": Ballot.of([1, 2, 3], yes_no=True)}
# Keys that are also answer letters: N and Y are contests here, so they are never "no"/"yes".
LETTERS = {"N": Ballot.of([1, 2], yes_no=True), "Y": Ballot.of([1, 2, 3])}


def words(text: str) -> tuple[str, ...]:
    message = read_message(f"{GROUPED} {text}")
    assert isinstance(message, Vote) and message.token == TOKEN
    return message.preferences


@pytest.mark.parametrize(
    ("text", "ballot"),
    [
        ("A 3 1 2 B 2 C YES", {"A": [3, 1, 2], "B": [2], "C": [1]}),
        ("a 3 1 2 b 2 c yes", {"A": [3, 1, 2], "B": [2], "C": [1]}),
        ("A312 B2 C1", {"A": [3, 1, 2], "B": [2], "C": [1]}),
        ("A:3,1,2 B:2 C:no", {"A": [3, 1, 2], "B": [2], "C": [2]}),
        ("A-3-1-2 C-ABSTAIN", {"A": [3, 1, 2], "C": [3]}),
        ("C Y A 6", {"C": [1], "A": [6]}),  # any order; Y is not a key here, so it is yes
        ("C N", {"C": [2]}),
        ("B 3 A", {"B": [3], "A": []}),  # a key with nothing after it: blank
        ("A 9 9", {"A": [9, 9]}),  # existence and repeats are validate_ballot's job
    ],
)
def test_each_contest_follows_its_key(text: str, ballot: dict[str, list[int]]) -> None:
    assert read_ballot(words(text), THREE) == ballot


def test_with_ten_or_more_candidates_a_run_of_digits_is_one_number() -> None:
    assert read_ballot(words("A 12 3 10 B YES"), TWELVE) == {"A": [12, 3, 10], "B": [1]}
    with pytest.raises(ChoiceError, match="There is no candidate 312") as caught:
        read_ballot(words("A 312"), TWELVE)
    assert caught.value.contest == "A"


def test_keys_win_over_answer_letters() -> None:
    assert read_ballot(words("N YES Y 2 1"), LETTERS) == {"N": [1], "Y": [2, 1]}
    with pytest.raises(ChoiceError) as caught:
        read_ballot(words("N N"), LETTERS)
    assert "Contest N is there twice" in caught.value.message and caught.value.contest == "N"


@pytest.mark.parametrize(
    ("text", "contest", "message"),
    [
        ("3 1 2", None, "letter before its choices, e.g. TOKEN A 3 2 1 B 3 2 1 C YES."),
        ("A 3 D 1", "A", "There is no contest D on this ballot; its contests are A, B, C."),
        ("A 1 B YES", "B", "This contest is not a yes/no question"),
        ("A 1 A 2", "A", "Contest A is there twice"),
        ("C MAYBE", "C", "“MAYBE” is not an answer"),
        ("B 3X", "B", "“3X” is not a candidate number."),
        ("A CAB", "A", "“CAB” is not a candidate number."),
    ],
)  # fmt: skip
def test_mistakes_name_the_contest_and_the_word(
    text: str, contest: str | None, message: str
) -> None:
    with pytest.raises(ChoiceError) as caught:
        read_ballot(words(text), THREE)
    assert message in caught.value.message
    assert caught.value.contest == contest


def test_the_example_uses_the_ballots_own_keys() -> None:
    assert example(THREE) == "A 3 2 1 B 3 2 1 C YES"
    assert example(LETTERS) == "N YES Y 3 2 1"


shapes = st.sampled_from([THREE, TWELVE, LETTERS])
texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(["A", "B", "C", "N", "Y", "a3", "B:2", "C-YES", "3", "1,2", "312",
                              "yes", "no", "abstain", "-", ":", "=", "zz", "0", "12", "\u0663",
                              "\uff13", " ", "HELP", "A12x", "99999999999999999999"]),
             max_size=14).map(" ".join),
)  # fmt: skip


@settings(max_examples=800, deadline=None)
@given(text=texts, contests=shapes)
def test_any_text_reads_as_contests_or_a_domain_error_never_a_crash(
    text: str, contests: dict[str, Ballot]
) -> None:
    try:
        message = read_message(f"{GROUPED} {text}")
    except BallotboxError:
        return
    if not isinstance(message, Vote):
        return
    try:
        ballot = read_ballot(message.preferences, contests)
    except ChoiceError as error:
        assert error.contest is None or error.contest in contests
        return
    assert set(ballot) <= set(contests)
    assert all(isinstance(n, int) and not isinstance(n, bool) for v in ballot.values() for n in v)


@settings(max_examples=300, deadline=None)
@given(
    a=st.permutations([1, 2, 3, 4, 5, 6]).map(lambda p: p[:3]),
    b=st.sampled_from([[], [1], [3, 2], [2, 3, 1]]),
    c=st.sampled_from([None, "YES", "no", "Abstain", "1", "2", "3"]),
    order=st.permutations(["A", "B", "C"]),
    glue=st.sampled_from([" ", ":", "-", ""]),
    sep=st.sampled_from([" ", ",", ", ", "-"]),
    case=st.sampled_from([str.upper, str.lower]),
)
def test_every_documented_spelling_of_a_ballot_reads_the_same(
    a: list[int], b: list[int], c: str | None, order: list[str], glue: str, sep: str,
    case: object,
) -> None:  # fmt: skip
    parts = {"A": sep.join(map(str, a)), "B": sep.join(map(str, b)), "C": c or ""}

    def written(key: str) -> str:
        value = parts[key]
        if not value:
            return key  # the key alone: the contest is blank
        if glue == "" and not value[0].isdigit():
            return f"{key} {value}"  # glued only when digits follow (A312, never CYES)
        return f"{key}{glue}{value}"

    text = " ".join(written(key) for key in order)
    ballot = read_ballot(words(case(text)), THREE)  # type: ignore[operator]
    answers = {"YES": 1, "NO": 2, "ABSTAIN": 3, "1": 1, "2": 2, "3": 3}
    expected = {"A": a, "B": b, "C": [answers[c.upper()]] if c else []}
    assert ballot == expected
