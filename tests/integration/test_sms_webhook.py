"""``POST /sms/twilio`` through the real app on SQLite and PostgreSQL.

Requests are signed with Twilio's own validator.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from ballotbox.adapters.sms.grammar import Ballot as Shape
from ballotbox.adapters.sms.grammar import Vote, read_message, read_preferences
from ballotbox.adapters.sms.simulator import inbound_params, new_sid, parse_messages, send
from ballotbox.app import create_app
from ballotbox.core.tokens.format import check_digits
from tests.fixtures.elections import CLOSES, BallotEnv
from tests.fixtures.twilio import AUTH, ballots, client_for
from tests.golden.twiml import check

SENDER = "+447700900123"


@pytest.fixture
def sms(ballot_env: BallotEnv) -> Iterator[TestClient]:
    """The app without its lifespan: no background clock loop racing the test's own opening."""
    client = client_for(ballot_env)
    yield client
    client.app.state.engine.dispose()  # type: ignore[attr-defined]


def test_a_signed_vote_is_cast_and_read_back(ballot_env: BallotEnv, sms: TestClient) -> None:
    _slug, tokens = ballot_env.make_election(tokens=3)
    reply = send(sms, f"{tokens[0].grouped} 3 1 2", auth_token=AUTH)
    assert reply.status == 200
    check("sms_vote_recorded", reply.body)
    text = " ".join(reply.messages)
    assert "1 Cy Twombly, 2 Ann Example, 3 Bob Builder" in text
    [ballot] = ballots(ballot_env)
    assert ballot.channel == "sms" and json.loads(ballot.choices) == [3, 1, 2]


def test_a_text_holds_no_connection_while_its_vote_commits(
    ballot_env: BallotEnv, sms: TestClient
) -> None:
    """At the close of a poll many texts wait for their batch at once: none of them keeps the
    connection (or the transaction) its reads used while it waits."""
    _slug, tokens = ballot_env.make_election(tokens=1)
    batcher = sms.app.state.batcher  # type: ignore[attr-defined]
    engine = sms.app.state.engine  # type: ignore[attr-defined]
    submit, held = batcher.submit, []

    def watched(*args: object, **kwargs: object) -> object:
        held.append(engine.pool.checkedout())
        return submit(*args, **kwargs)

    batcher.submit = watched
    reply = send(sms, f"{tokens[0].grouped} 3 1 2", auth_token=AUTH)
    assert reply.status == 200 and "recorded" in " ".join(reply.messages).lower()
    assert held == [0]
    assert len(ballots(ballot_env)) == 1


@pytest.mark.parametrize(
    ("name", "method", "extra", "text"),
    [
        ("sms_ballot_ranked", "scottish-stv", {}, "{token}"),
        ("sms_ballot_twelve", "scottish-stv", {"candidates": 12, "seats": 6}, "{token}"),
        ("sms_ballot_yes_no", "referendum", {}, "{token}"),
        ("sms_ballot_choose_two", "plurality", {"max_choices": 2}, "{token}"),
        ("sms_help", "scottish-stv", {}, "HELP"),
        ("sms_error_checksum", "scottish-stv", {}, "{typo} 1 2"),
        ("sms_error_length", "scottish-stv", {}, "{short}"),
        ("sms_error_no_candidate", "scottish-stv", {}, "{token} 9"),
        ("sms_error_ranked_twice", "scottish-stv", {}, "{token} 2 1 2"),
        ("sms_error_unknown_token", "scottish-stv", {}, "{stranger} 1"),
        (
            "sms_error_run_with_twelve",
            "scottish-stv",
            {"candidates": 12, "seats": 6},
            "{token} 312",
        ),
        ("sms_error_no_token", "scottish-stv", {}, "vote Ann"),
        ("sms_vote_yes", "referendum", {}, "{token} yes"),
        ("sms_vote_choose_two", "plurality", {"max_choices": 2}, "{token} 4,2"),
        ("sms_error_too_many", "plurality", {"max_choices": 2}, "{token} 1 2 3"),
    ],
)
def test_every_reply_matches_its_golden_file(
    ballot_env: BallotEnv,
    sms: TestClient,
    name: str,
    method: str,
    extra: dict[str, object],
    text: str,
) -> None:
    _slug, tokens = ballot_env.make_election(method=method, tokens=2, **extra)  # type: ignore[arg-type]
    digits = tokens[0].digits
    typo = digits[:3] + str((int(digits[3]) + 1) % 10) + digits[4:]
    stranger = "482109375512884033" + "07"  # well-formed, never issued (checksum fixed below)
    stranger = stranger[:18] + check_digits(stranger[:18])
    body = text.format(token=tokens[0].grouped, typo=typo, short=digits[:-1], stranger=stranger)
    reply = send(sms, body, auth_token=AUTH)
    assert reply.status == 200
    check(name, reply.body)
    assert all(len(m) <= 160 for m in reply.messages)
    cast_expected = name.startswith("sms_vote")
    assert len(ballots(ballot_env)) == (1 if cast_expected else 0)


def test_closed_voting_says_when_it_closed(ballot_env: BallotEnv, sms: TestClient) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    ballot_env.clock.set(CLOSES + timedelta(minutes=1))
    reply = send(sms, f"{tokens[0].grouped} 1", auth_token=AUTH)
    check("sms_error_closed", reply.body)
    assert reply.messages == ["Voting closed on 31 January 2027 at 17:00 GMT."]
    assert ballots(ballot_env) == []


def _post(client: TestClient, params: dict[str, str], signature: str | None) -> int:
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    return int(client.post("/sms/twilio", data=params, headers=headers).status_code)


def test_unsigned_tampered_and_wrong_url_requests_get_403_and_change_nothing(
    ballot_env: BallotEnv, sms: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    params = inbound_params(f"{tokens[0].grouped} 1 2", sender=SENDER, to="+447700900000",
                            message_sid=new_sid())  # fmt: skip
    validator = RequestValidator(AUTH)
    good = validator.compute_signature("http://testserver/sms/twilio", params)
    tampered = dict(params, Body=f"{tokens[0].grouped} 2 1")
    wrong_url = validator.compute_signature("http://evil.example/sms/twilio", params)
    wrong_key = RequestValidator("0" * 32).compute_signature("http://testserver/sms/twilio", params)
    assert _post(sms, params, None) == 403
    assert _post(sms, params, "") == 403
    assert _post(sms, tampered, good) == 403
    assert _post(sms, params, wrong_url) == 403
    assert _post(sms, params, wrong_key) == 403
    assert (
        sms.post(
            "/sms/twilio",
            content=b"\xff\xfe",
            headers={
                "X-Twilio-Signature": good,
                "content-type": "application/x-www-form-urlencoded",
            },
        ).status_code
        == 403
    )
    assert ballots(ballot_env) == []
    assert _post(sms, params, good) == 200
    assert len(ballots(ballot_env)) == 1


def test_a_replayed_message_sid_gets_the_same_reply_and_casts_once(
    ballot_env: BallotEnv, sms: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    sid = new_sid()
    first = send(sms, f"{tokens[0].grouped} 2 1", auth_token=AUTH, message_sid=sid)
    again = send(sms, f"{tokens[0].grouped} 2 1", auth_token=AUTH, message_sid=sid)
    assert "Vote recorded" in first.messages[0]
    assert again.body == first.body
    assert len(ballots(ballot_env)) == 1
    # A new message with the spent token is told so.
    fresh = send(sms, f"{tokens[0].grouped} 2 1", auth_token=AUTH)
    assert fresh.messages == ["This token has already been used to vote. Each token votes once."]


def test_without_an_auth_token_the_endpoint_is_off(ballot_env: BallotEnv) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    with TestClient(create_app(ballot_env.settings, ballot_env.ctx)) as client:
        reply = send(client, f"{tokens[0].grouped} 1", auth_token=AUTH)
        assert reply.status == 404
        assert client.post("/phone/twilio").status_code == 404
    assert ballots(ballot_env) == []


def test_behind_a_proxy_the_configured_public_url_is_what_is_checked(sqlite_env: BallotEnv) -> None:
    _slug, tokens = sqlite_env.make_election(tokens=2)
    with client_for(sqlite_env, public_url="https://vote.example.org/ballots/") as client:
        # Twilio signs the address it was given, not the one the app sees.
        assert send(client, tokens[0].grouped, auth_token=AUTH).status == 403
        reply = send(client, f"{tokens[0].grouped} 1", auth_token=AUTH,
                     public_url="https://vote.example.org/ballots")  # fmt: skip
        assert reply.status == 200 and "https://vote.example.org/ballots/elections/" in reply.body


def test_a_sender_with_many_failures_is_slowed_down_others_are_not(sqlite_env: BallotEnv) -> None:
    _slug, tokens = sqlite_env.make_election(tokens=1)
    with client_for(sqlite_env) as client:
        for _ in range(8):
            send(client, "4821 0937 5512 8840 3316", auth_token=AUTH, sender=SENDER)
        blocked = send(client, tokens[0].grouped + " 1", auth_token=AUTH, sender=SENDER)
        assert blocked.messages == [
            "Too many attempts from this phone. Please wait 15 minutes and try again."
        ]
        other = send(client, tokens[0].grouped + " 1", auth_token=AUTH, sender="+447700900456")
        assert "Vote recorded" in other.messages[0]


def test_the_senders_number_is_never_stored_or_logged(
    sqlite_env: BallotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    _slug, tokens = sqlite_env.make_election(tokens=2)
    number, sid = "+447700900777", new_sid()
    with caplog.at_level(logging.DEBUG), client_for(sqlite_env) as client:
        send(client, f"{tokens[0].grouped} 1 2", auth_token=AUTH, sender=number, message_sid=sid)
        send(client, "0000 0000 0000 0000 0000", auth_token=AUTH, sender=number)
    sqlite_env.engine.dispose()
    path = sqlite_env.settings.database_url.removeprefix("sqlite:///")
    files = [p for p in Path(path).parent.glob(Path(path).name + "*")]
    for file in files:
        data = file.read_bytes()
        for needle in (number, number.lstrip("+"), sid):
            assert needle.encode() not in data, f"{needle} found in {file.name}"
    for needle in (number.lstrip("+"), sid, tokens[0].digits):
        assert needle not in caplog.text


JUNK_WORDS = ["{t}", "{g}", "HELP", "yes", "3", "1,2", "312", "9", "2 2", "-", "A", "cab"]
JUNK_WORDS += ["\u0663", "\uff13", "0", "\x00", "{t}{t}", "{t}99"]
junk = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(JUNK_WORDS), max_size=8).map(" ".join),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(template=junk)
def test_fuzzed_texts_always_get_a_reply_and_cast_only_a_well_formed_vote(
    sqlite_env: BallotEnv, template: str
) -> None:
    slug = "fuzz"
    if slug not in sqlite_env.tokens:
        sqlite_env.make_election(slug=slug, tokens=400)
        sqlite_env.tokens["fuzz-used"] = []
    unused = [t for t in sqlite_env.tokens[slug] if t not in sqlite_env.tokens["fuzz-used"]]
    token = unused[0]
    text = template.replace("{t}", token.digits).replace("{g}", token.grouped)
    before = len(ballots(sqlite_env))
    with client_for(sqlite_env) as client:  # each example from its own number: no limit in play
        reply = send(client, text, auth_token=AUTH, sender=f"+44770{secrets.randbelow(10**7):07d}")
    assert reply.status == 200 and reply.messages and all(reply.messages)
    after = ballots(sqlite_env)
    if len(after) == before:
        return
    # A ballot was cast: the text must have been a well-formed vote for exactly what was stored.
    sqlite_env.tokens["fuzz-used"].append(token)
    message = read_message(text)
    assert isinstance(message, Vote) and message.token == token.digits
    stored = next(b for b in after if b.token == token.digits)
    assert json.loads(stored.choices) == read_preferences(
        message.preferences, Shape.of([1, 2, 3, 4])
    )
    assert "Vote recorded" in reply.messages[0]


def test_messages_parse_as_twiml() -> None:
    assert parse_messages(
        '<?xml version="1.0"?><Response><Message>a</Message><Message>b</Message></Response>'
    ) == ["a", "b"]
    with pytest.raises(ValueError):
        parse_messages("<html/>")


def _unknown(n: int) -> str:
    payload = f"{n:018d}"
    return payload + check_digits(payload)


def test_a_flood_from_many_numbers_never_shuts_out_a_genuine_voter(
    ballot_env: BallotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    # 63 numbers x 8 unknown tokens: 504, past the old global limit of 500 that refused everyone.
    with caplog.at_level(logging.WARNING), client_for(ballot_env, flood_delay_seconds=0) as client:
        for n in range(63):
            sender = f"+4477009{n:05d}"
            for i in range(8):
                reply = send(client, f"{_unknown(n * 8 + i)} 1", auth_token=AUTH, sender=sender)
                assert reply.messages[0].startswith("That token was not issued")
        blocked = send(client, f"{tokens[0].grouped} 1", auth_token=AUTH, sender="+447700900062")
        assert blocked.messages[0].startswith("Too many attempts from this phone")
        genuine = send(client, f"{tokens[0].grouped} 1", auth_token=AUTH, sender="+447700955555")
        assert "Vote recorded" in genuine.messages[0]
        audit = client.get("/elections/test-2027/audit", headers={"accept": "text/html"}).text
    assert 'id="flood-sms">504<' in audit
    assert len(ballots(ballot_env)) == 1
    assert "ALERT: 50 well-formed unknown tokens by sms" in caplog.text
    assert "+447700" not in caplog.text


def test_during_a_flood_unknown_tokens_are_answered_late_and_valid_ones_at_once(
    sqlite_env: BallotEnv,
) -> None:
    _slug, tokens = sqlite_env.make_election(tokens=1)
    with client_for(sqlite_env, flood_alert=3, flood_delay_seconds=1.5) as client:
        times = []
        for n in range(4):
            started = time.monotonic()
            send(client, _unknown(n), auth_token=AUTH, sender=f"+4477009{n:05d}")
            times.append(time.monotonic() - started)
        started = time.monotonic()
        genuine = send(client, f"{tokens[0].grouped} 1", auth_token=AUTH, sender="+447700955555")
        valid = time.monotonic() - started
    assert max(times[:2]) < 1.5 <= min(times[2:])
    assert "Vote recorded" in genuine.messages[0] and valid < 1.5
