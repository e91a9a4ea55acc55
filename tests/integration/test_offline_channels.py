"""Checking and disputing by phone and text, through the real Twilio-signed webhooks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from ballotbox.adapters.phone.simulator import call
from ballotbox.adapters.sms.simulator import send
from ballotbox.core.audit.receipts import code_keys
from ballotbox.core.phonetic import spell
from ballotbox.core.tokens.format import generate
from ballotbox.storage import repository
from tests.fixtures.contest_ballots import publish_three_contest_ballot
from tests.fixtures.elections import BallotEnv
from tests.fixtures.twilio import AUTH, client_for
from tests.integration.test_publish import publish, run_election


@pytest.fixture
def twilio(ballot_env: BallotEnv) -> Iterator[TestClient]:
    """The app with Twilio on, without its lifespan (no clock loop racing the test)."""
    client = client_for(ballot_env)
    yield client
    client.app.state.engine.dispose()  # type: ignore[attr-defined]


def _disputes(env: BallotEnv, slug: str) -> list[tuple[str, str, str]]:
    with env.read() as s:
        election = repository.election_by_slug(s, slug)
        return [(d.token, d.channel, d.receipt_check)
                for d in repository.disputes(s, election.id or 0)]  # fmt: skip


def test_a_caller_hears_the_recorded_vote_again_and_can_report_it(
    ballot_env: BallotEnv, twilio: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    slug, tokens, receipts = run_election(ballot_env)
    publish(ballot_env, slug, tmp_path / "bundle")
    caplog.set_level(logging.DEBUG)
    keys = code_keys(receipts[0]["code"])  # one keypad key per letter or digit
    transcript = call(
        twilio, f"{tokens[0].digits}#1#9#{keys}#1", auth_token=AUTH, caller="+447700900777"
    )
    said = transcript.said
    vote = "The recorded vote is: first, Ann Example; second, Cy Twombly; third, Bob Builder."
    assert said.count(vote) == 2  # heard, then heard again after 1
    code = f"The receipt code is: {spell(receipts[0]['code'])}."
    assert said.count(code) == 2
    assert any("Your report has been recorded, without your phone number" in s for s in said)
    assert transcript.hung_up_by_server
    assert f"You pressed: {', '.join(keys)}." in said
    assert "These keys match the receipt code of the published vote." in said
    assert _disputes(ballot_env, slug) == [(tokens[0].digits, "phone", "code-matches")]
    server_log = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert tokens[0].digits not in server_log and "447700900777" not in server_log


def test_a_phone_dispute_with_other_keys_no_code_or_silence(
    ballot_env: BallotEnv, twilio: TestClient, tmp_path: Path
) -> None:
    slug, tokens, receipts = run_election(ballot_env)
    publish(ballot_env, slug, tmp_path / "bundle")
    right = code_keys(receipts[1]["code"])
    wrong = right[:-1] + ("2" if right[-1] != "2" else "3")
    said = call(twilio, f"{tokens[1].digits}#9#{wrong}#1", auth_token=AUTH).said
    assert "These keys do not match the receipt code of the published vote." in said
    # Mistakes are said and asked again: a 0 (never in a code), seven keys, then 2 to re-key.
    said = call(twilio, [tokens[2].digits, "9", "75440972", "7544977", "", "2", "", "1"],
                auth_token=AUTH).said  # fmt: skip
    assert "A receipt code uses only the keys 2 to 9." in said
    assert "That was 7 keys, but a receipt code has 8." in said
    assert said.count("You gave no receipt code.") == 2
    # Silence at the read-back never sends a report.
    quiet = call(twilio, [tokens[3].digits, "9", right, "", "", ""], auth_token=AUTH)
    assert quiet.said[-1].startswith("Your report has not been sent.")
    assert sorted(_disputes(ballot_env, slug)) == sorted(
        [(tokens[1].digits, "phone", "not-valid"), (tokens[2].digits, "phone", "none")]
    )
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, slug)
        kinds = {d.token: (d.receipt_kind, d.receipt_code)
                 for d in repository.disputes(s, election.id or 0)}  # fmt: skip
    assert kinds[tokens[1].digits] == ("keys", wrong)
    assert kinds[tokens[2].digits] == ("none", "")


def test_a_caller_hears_every_contest_or_that_no_vote_was_recorded(
    ballot_env: BallotEnv, twilio: TestClient, tmp_path: Path
) -> None:
    slug, tokens, _receipts = publish_three_contest_ballot(ballot_env, tmp_path / "bundle")
    said = call(twilio, f"{tokens[2].digits}#", auth_token=AUTH).said
    assert "Contest A, Executive committee: first, Eve Online; second, Ann Example; third, " \
           "Cy Twombly." in said  # fmt: skip
    assert "Contest B, Chair: left blank." in said
    assert "Contest C, Motion 1: affiliate to the campaign: the answer No." in said
    unused = call(twilio, f"{tokens[-1].digits}#", auth_token=AUTH).said
    assert "No vote was recorded for this token." in unused
    # Silence at the menu repeats it, then says goodbye: the call never hangs.
    quiet = call(twilio, [tokens[-1].digits, "", "", ""], auth_token=AUTH)
    assert quiet.said[-1] == "Thank you for checking. Goodbye." and quiet.hung_up_by_server


def test_before_publication_a_check_call_votes_as_before(
    ballot_env: BallotEnv, twilio: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    said = call(twilio, f"{tokens[0].digits}#", auth_token=AUTH).said
    assert any("This is the ballot for" in s for s in said)
    assert not any("recorded vote" in s for s in said)


def test_check_by_text_replies_with_the_names_and_the_code(
    ballot_env: BallotEnv, twilio: TestClient, tmp_path: Path
) -> None:
    slug, tokens, receipts = run_election(ballot_env)
    publish(ballot_env, slug, tmp_path / "bundle")
    for text in (f"CHECK {tokens[0].grouped}", f"check {tokens[0].digits}", tokens[0].grouped):
        reply = send(twilio, text, auth_token=AUTH)
        joined = " ".join(reply.messages)
        assert "1 Ann Example, 2 Cy Twombly, 3 Bob Builder" in joined, text
        assert f"Receipt code {receipts[0]['code']}." in joined
        assert len(reply.messages) == 1
    unused = " ".join(send(twilio, f"CHECK {tokens[5].digits}", auth_token=AUTH).messages)
    assert "No vote was recorded for this token." in unused
    stranger = " ".join(send(twilio, f"CHECK {generate().digits}", auth_token=AUTH).messages)
    assert "not" in stranger.lower() and "Receipt" not in stranger


def test_check_by_text_waits_for_publication(ballot_env: BallotEnv, twilio: TestClient) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    reply = " ".join(send(twilio, f"CHECK {tokens[0].digits}", auth_token=AUTH).messages)
    assert "once the results and the list of votes are published" in reply


def test_dispute_by_text_is_stored_without_the_number_and_marked_by_its_code(
    ballot_env: BallotEnv, twilio: TestClient, tmp_path: Path
) -> None:
    slug, tokens, receipts = run_election(ballot_env)
    publish(ballot_env, slug, tmp_path / "bundle")
    right = send(twilio, f"DISPUTE {tokens[0].grouped} {receipts[0]['code']}", auth_token=AUTH)
    assert "matches the vote published" in " ".join(right.messages)
    wrong = send(twilio, f"dispute {tokens[1].digits} {receipts[0]['code']}", auth_token=AUTH,
                 sender="+447700900321")  # fmt: skip
    assert "not the code of the vote published" in " ".join(wrong.messages)
    code = receipts[2]["code"]
    split = f"{code[:4].lower()}-{code[4:]}"  # case, spaces and dashes are forgiven
    assert "matches the vote published" in " ".join(
        send(twilio, f"DISPUTE {tokens[2].digits} {split}", auth_token=AUTH).messages
    )
    lookalike = send(twilio, f"DISPUTE {tokens[3].digits} 0{code[1:]}", auth_token=AUTH)
    assert "Receipt codes never use O, 0, I or 1" in " ".join(lookalike.messages)
    assert len(lookalike.messages) == 1  # one text, one segment
    assert sorted(_disputes(ballot_env, slug)) == sorted(
        [(tokens[0].digits, "sms", "code-matches"), (tokens[1].digits, "sms", "not-valid"),
         (tokens[2].digits, "sms", "code-matches")]
    )  # fmt: skip
    with ballot_env.engine.connect() as conn:
        for row in conn.exec_driver_sql("SELECT * FROM dispute").all():
            assert not any("447700900321" in str(value) for value in row)


def test_a_long_check_by_text_is_packed_into_one_segment_messages(
    ballot_env: BallotEnv, twilio: TestClient, tmp_path: Path
) -> None:
    from ballotbox.adapters.sms.replies import segment_limit

    _slug, tokens, receipts = publish_three_contest_ballot(ballot_env, tmp_path / "bundle")
    reply = send(twilio, f"CHECK {tokens[2].digits}", auth_token=AUTH)
    assert all(len(m) <= segment_limit(m) for m in reply.messages)
    joined = " ".join(m.split(" ", 1)[1] if len(reply.messages) > 1 else m for m in reply.messages)
    assert "Executive committee: 1 Eve Online, 2 Ann Example, 3 Cy Twombly." in joined
    assert "Chair: left blank." in joined and "affiliate to the campaign: No." in joined
    assert f"Receipt code {receipts[2]['code']}." in joined


def test_the_greeting_says_a_published_ballot_can_be_checked_beside_an_open_one(
    ballot_env: BallotEnv, twilio: TestClient, tmp_path: Path
) -> None:
    slug, tokens, _receipts = run_election(ballot_env)
    publish(ballot_env, slug, tmp_path / "bundle")
    title = f"Test election {slug}"
    checkable = f"The results of {title} are published: to hear the vote recorded for your card"
    alone = call(twilio, "", auth_token=AUTH).said
    assert any(checkable in s for s in alone)
    # Another ballot opens on the same line: the greeting names it and still offers the check.
    later = "2027-06-01T09:00:00Z", "2027-06-30T17:00:00Z"
    _other, fresh = ballot_env.make_election("motion-2027", opens=later[0], closes=later[1])
    greeting = call(twilio, "", auth_token=AUTH).said
    assert "This is the vote for Test election motion-2027." in greeting
    assert any(checkable in s for s in greeting)
    # Each token does what its own ballot allows: the old card checks, the new card votes.
    checked = call(twilio, f"{tokens[0].digits}#", auth_token=AUTH).said
    assert any(s.startswith("The recorded vote is:") for s in checked)
    voting = call(twilio, f"{fresh[0].digits}#", auth_token=AUTH).said
    assert "Thank you. This is the ballot for Test election motion-2027." in voting


def test_without_a_published_ballot_the_greeting_offers_no_check(
    ballot_env: BallotEnv, twilio: TestClient
) -> None:
    ballot_env.make_election(tokens=1)
    said = call(twilio, "", auth_token=AUTH).said
    assert not any("recorded" in s for s in said)


def test_a_text_or_a_call_looks_its_token_up_once(
    ballot_env: BallotEnv, twilio: TestClient, tmp_path: Path
) -> None:
    """Vote or check is decided from one look-up of the token (services.checking.vote_or_check)."""
    slug, tokens, _receipts = run_election(ballot_env)
    fresh = ballot_env.make_election("motion-2027", tokens=2, closes="2027-06-30T17:00:00Z")[1]
    engine = twilio.app.state.engine  # type: ignore[attr-defined]
    lookups: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM ballot_token" in statement:
            lookups.append(statement)

    send(twilio, fresh[1].grouped, auth_token=AUTH)  # the look-up learns the new ballot's key
    event.listen(engine, "before_cursor_execute", seen)
    try:
        asked = send(twilio, fresh[0].grouped, auth_token=AUTH).messages  # an open ballot
        assert any("Test election motion-2027" in m for m in asked) and len(lookups) == 1
        publish(ballot_env, slug, tmp_path / "bundle")
        lookups.clear()
        checked = " ".join(send(twilio, tokens[0].grouped, auth_token=AUTH).messages)
        assert "Receipt code" in checked and len(lookups) == 1
        lookups.clear()
        refused = send(twilio, f"{tokens[5].grouped} 1 2", auth_token=AUTH).messages
        assert refused[0].startswith("Voting closed on") and len(lookups) == 1
        lookups.clear()
        said = call(twilio, f"{tokens[0].digits}#", auth_token=AUTH).said
        assert any(s.startswith("The recorded vote is:") for s in said) and len(lookups) == 1
    finally:
        event.remove(engine, "before_cursor_execute", seen)
