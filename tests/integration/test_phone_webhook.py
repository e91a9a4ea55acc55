"""``POST /phone/twilio``: whole keypad calls through the real app, signed as Twilio signs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from ballotbox.adapters.httpkit.twilio import sign
from ballotbox.adapters.phone.simulator import call
from ballotbox.core.tokens.format import check_digits
from ballotbox.services import Context
from tests.fixtures.elections import BallotEnv
from tests.fixtures.twilio import AUTH, ballots, client_for
from tests.golden.twiml import check


@pytest.fixture
def phone(ballot_env: BallotEnv) -> Iterator[TestClient]:
    """The app without its lifespan, so no background loop races the test's own opening."""
    client = client_for(ballot_env)
    yield client
    client.app.state.engine.dispose()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("method", "extra", "keys", "stored", "heard"),
    [
        (
            "scottish-stv",
            {},
            "{t}#0#1#3##1",
            [1, 3],
            "Your choices are: first, Ann Example; second, Cy Twombly.",
        ),
        (
            "irv",
            {},
            "{t}#4#9#4#2##1",
            [4, 2],
            "Your choices are: first, Dee Dee; second, Bob Builder.",
        ),
        ("plurality", {"max_choices": 2}, "{t}#2#4#1", [2, 4], "You chose: Bob Builder; Dee Dee."),
        ("approval", {"seats": 2}, "{t}#3##1", [3], "You chose: Cy Twombly."),
        ("referendum", {}, "{t}#2#1", [2], "You answered: No."),
        ("scottish-stv", {}, "{t}#1#2##2#3##1", [3], "Your choices are: first, Cy Twombly."),
    ],
)
def test_a_keypad_call_casts_what_was_read_back(
    ballot_env: BallotEnv, phone: TestClient, method: str, extra: dict[str, object],
    keys: str, stored: list[int], heard: str,
) -> None:  # fmt: skip
    _slug, tokens = ballot_env.make_election(method=method, tokens=2, **extra)  # type: ignore[arg-type]
    transcript = call(phone, keys.format(t=tokens[0].digits), auth_token=AUTH)
    assert set(transcript.statuses) == {200} and transcript.hung_up_by_server
    assert heard in transcript.said
    assert "Your vote has been recorded. Thank you." in transcript.said
    [ballot] = ballots(ballot_env)
    assert ballot.channel == "phone" and json.loads(ballot.choices) == stored


def test_the_whole_ranked_call_matches_the_golden_files(
    ballot_env: BallotEnv, phone: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=2)
    typo = tokens[0].digits[:-1] + str((int(tokens[0].digits[-1]) + 1) % 10)
    transcript = call(phone, f"{typo}##{tokens[0].digits}#0#1#1#3##1", auth_token=AUTH)
    names = ["phone_greeting", "phone_token_typo", "phone_token_silence", "phone_ballot",
             "phone_list_again", "phone_second_choice", "phone_ranked_twice", "phone_third_choice",
             "phone_confirm",
             "phone_cast"]  # fmt: skip
    assert len(transcript.documents) == len(names)
    for name, document in zip(names, transcript.documents, strict=True):
        check(name, document)


def test_three_token_typing_errors_end_the_call_without_a_vote(
    ballot_env: BallotEnv, phone: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    short = tokens[0].digits[:-1]
    transcript = call(phone, f"{short}#{short}#{short}#{tokens[0].digits}#1##1", auth_token=AUTH)
    check("phone_three_tries", transcript.documents[-1])
    assert transcript.hung_up_by_server and transcript.sent == [short] * 3
    assert ballots(ballot_env) == []


def test_never_confirming_repeats_then_tells_how_to_vote_and_casts_nothing(
    ballot_env: BallotEnv, phone: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    # Wrong keys and silence at the confirmation repeat the read-back (3 hears it again)
    # five times before the call ends, and the caller is told how to vote after all.
    transcript = call(phone, [tokens[0].digits, "1", "", "9", "3", "", "8", "7", "6"],
                      auth_token=AUTH)  # fmt: skip
    said = transcript.said
    assert said.count("Your choices are: first, Ann Example.") == 6
    assert "I did not hear 1, 2 or 3." in said and "That was not 1, 2 or 3." in said
    assert said[-1].startswith("Your vote has not been recorded, and your token can still be used.")
    assert "call this number again and key your token" in said[-1]
    assert transcript.hung_up_by_server and transcript.sent[-1] == "6"
    assert ballots(ballot_env) == []


def test_a_spent_token_is_told_so_on_the_phone(ballot_env: BallotEnv, phone: TestClient) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    call(phone, f"{tokens[0].digits}#2##1", auth_token=AUTH)
    transcript = call(phone, f"{tokens[0].digits}#", auth_token=AUTH)
    check("phone_token_used", transcript.documents[-1])
    assert len(ballots(ballot_env)) == 1


def test_unsigned_tampered_and_foreign_state_requests_change_nothing(sqlite_env: BallotEnv) -> None:
    _slug, tokens = sqlite_env.make_election(tokens=1)
    client = client_for(sqlite_env)
    params = {"CallSid": "CA" + "1" * 32, "From": "+447700900123", "Digits": tokens[0].digits}
    assert client.post("/phone/twilio", data=params).status_code == 403
    signature = sign(AUTH, "http://testserver/phone/twilio", params)
    assert client.post("/phone/twilio", data=dict(params, Digits="1"),
                       headers={"X-Twilio-Signature": signature}).status_code == 403  # fmt: skip
    # A state sealed for one call, replayed (validly signed) in another call, is refused.
    transcript = call(client, f"{tokens[0].digits}#1#", auth_token=AUTH)
    confirm_url = transcript.documents[-1].split('action="')[1].split('"')[0].replace("&amp;", "&")
    other = {"CallSid": "CA" + "2" * 32, "From": "+447700900999", "Digits": "1"}
    response = client.post(
        confirm_url.removeprefix("http://testserver"),
        data=other,
        headers={"X-Twilio-Signature": sign(AUTH, confirm_url, other)},
    )
    assert response.status_code == 200 and "we lost track of your call" in response.text
    assert ballots(sqlite_env) == []


def test_voice_and_language_come_from_the_settings(sqlite_env: BallotEnv) -> None:
    sqlite_env.make_election(tokens=1)
    client = client_for(sqlite_env, phone_voice="Polly.Amy", phone_language="en-IE")
    transcript = call(client, [], auth_token=AUTH)
    assert '<Say language="en-IE" voice="Polly.Amy">' in transcript.documents[0]


class Queue:
    """A stand-in for the tellers' queue (the postal issue provides the real one)."""

    def __init__(self) -> None:
        self.items: list[tuple[str | None, str]] = []

    def __call__(self, session: Session, ctx: Context, election: str | None, url: str) -> None:
        self.items.append((election, url))


def test_voicemail_is_offered_only_when_on_and_a_queue_exists(sqlite_env: BallotEnv) -> None:
    slug, _tokens = sqlite_env.make_election(tokens=1)
    recording = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE" + "a" * 32
    # Switched on, but no queue wired into the context.
    off = client_for(sqlite_env, replace(sqlite_env.ctx, voicemail_sink=None), phone_voicemail=True)
    assert "spoken message" not in call(off, [], auth_token=AUTH).text
    queue = Queue()
    client = client_for(
        sqlite_env, replace(sqlite_env.ctx, voicemail_sink=queue), phone_voicemail=True
    )
    transcript = call(client, "0#", auth_token=AUTH, caller="+447700900555", recording=recording)
    check("phone_voicemail_prompt", transcript.documents[1])
    check("phone_voicemail_thanks", transcript.documents[2])
    assert queue.items == [(slug, recording)]  # the reference only: no caller ID, no CallSid
    assert ballots(sqlite_env) == []


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    entries=st.lists(
        st.one_of(
            st.text(alphabet="0123456789*", max_size=25),
            st.sampled_from(["{t}", "", "0", "1", "2"]),
        ),
        max_size=8,
    )
)
def test_fuzzed_keys_never_crash_and_cast_only_after_confirming(
    sqlite_env: BallotEnv, entries: list[str]
) -> None:
    if "fuzz" not in sqlite_env.tokens:
        sqlite_env.make_election(slug="fuzz", tokens=200)
    used = {b.token for b in ballots(sqlite_env)}
    token = next(t for t in sqlite_env.tokens["fuzz"] if t.digits not in used)
    keys = [e.replace("{t}", token.digits) for e in entries]
    client = client_for(sqlite_env)
    transcript = call(client, keys, auth_token=AUTH)
    assert set(transcript.statuses) == {200}
    cast = [b for b in ballots(sqlite_env) if b.token == token.digits]
    if cast:
        assert "Your vote has been recorded. Thank you." in transcript.said
        # Only after the read-back and a key 1 (the confirm prompt takes one key: numDigits=1).
        confirm = next(i for i, said in enumerate(transcript.said) if "Press 1 to confirm" in said)
        assert confirm < transcript.said.index("Your vote has been recorded. Thank you.")
        assert token.digits in transcript.sent and any(
            e.startswith("1") for e in transcript.sent[1:]
        )


def test_a_voicemail_lands_in_the_tellers_voicemail_batch(sqlite_env: BallotEnv) -> None:
    from ballotbox.storage.models_postal import BatchKind, PostalBatch, PostalLetter

    sqlite_env.make_election(tokens=1)
    recording = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE" + "b" * 32
    client = client_for(sqlite_env, phone_voicemail=True)  # the app's own queue: the tellers'
    transcript = call(client, "0#", auth_token=AUTH, caller="+447700900556", recording=recording)
    assert set(transcript.statuses) == {200}
    with sqlite_env.read() as s:
        batch = s.exec(select(PostalBatch).where(PostalBatch.kind == BatchKind.VOICEMAIL)).one()
        letters = s.exec(select(PostalLetter).where(PostalLetter.batch_id == batch.id)).all()
    assert [(letter.number, letter.recording_ref) for letter in letters] == [(1, recording)]
    assert ballots(sqlite_env) == []


def _unknown(n: int) -> str:
    payload = f"{n:018d}"
    return payload + check_digits(payload)


def test_a_flood_of_callers_never_shuts_out_a_genuine_caller(ballot_env: BallotEnv) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    with client_for(ballot_env, flood_delay_seconds=0) as phone:
        # 168 callers x 3 unknown tokens: 504, past the old global limit of 500.
        for n in range(168):
            keys = "#".join(_unknown(n * 3 + i) for i in range(3)) + "#"
            transcript = call(phone, keys, auth_token=AUTH, caller=f"+4477009{n:05d}")
            assert "Sorry, that was three tries." in " ".join(transcript.said)
        genuine = call(phone, f"{tokens[0].digits}#1#2##1", auth_token=AUTH, caller="+447700955555")
        assert "Your vote has been recorded. Thank you." in genuine.said
    assert len(ballots(ballot_env)) == 1


def test_a_withheld_number_counts_as_one_call_not_as_everyone_withholding(
    sqlite_env: BallotEnv,
) -> None:
    _slug, tokens = sqlite_env.make_election(tokens=1)
    with client_for(sqlite_env, limit_phone=3) as phone:
        for n in range(4):
            keys = "#".join(_unknown(n * 3 + i) for i in range(3)) + "#"
            call(phone, keys, auth_token=AUTH, caller="anonymous")
        genuine = call(phone, f"{tokens[0].digits}#1##1", auth_token=AUTH, caller="anonymous")
        assert "Your vote has been recorded. Thank you." in genuine.said
        for _ in range(3):
            call(phone, _unknown(99) + "#", auth_token=AUTH, caller="+447700900321")
        refused = call(phone, _unknown(98) + "#", auth_token=AUTH, caller="+447700900321")
        assert "Too many attempts from this phone" in " ".join(refused.said)


def test_each_choice_is_echoed_by_name_and_star_takes_back_the_last(
    ballot_env: BallotEnv, phone: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1, candidates=4)
    transcript = call(phone, f"{tokens[0].digits}#*#2#4#*#3##1", auth_token=AUTH)
    said = transcript.said
    assert "There is no choice to take back yet." in said  # a one-contest ballot, nothing chosen
    assert "Your first choice: Bob Builder." in said
    assert "Your second choice: Dee Dee." in said
    assert "Dee Dee removed." in said
    assert "Your second choice: Cy Twombly." in said
    assert "Your choices are: first, Bob Builder; second, Cy Twombly." in said
    [ballot] = ballots(ballot_env)
    assert json.loads(ballot.choices) == [2, 3]


def test_the_receipt_code_is_spelt_with_the_phonetic_alphabet(
    ballot_env: BallotEnv, phone: TestClient
) -> None:
    from ballotbox.core.phonetic import spell

    _slug, tokens = ballot_env.make_election(method="referendum", tokens=1)
    transcript = call(phone, f"{tokens[0].digits}#1#1", auth_token=AUTH)
    assert "You answered: Yes." in transcript.said
    from ballotbox.services.checking import recorded_code

    [ballot] = ballots(ballot_env)
    code = spell(recorded_code(ballot))
    assert f"Your receipt code is: {code}. Again: {code}." in transcript.said
