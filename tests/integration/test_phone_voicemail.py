"""Voicemail with several ballots open: the caller says which, and the message is never dropped.

Whole calls through the real app (signed as Twilio signs them) into the
tellers' real voicemail batches, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlmodel import select

from ballotbox.adapters.phone.simulator import Transcript, call
from ballotbox.storage.models import Election
from ballotbox.storage.models_postal import BatchKind, PostalBatch, PostalLetter
from tests.fixtures.elections import BallotEnv
from tests.fixtures.twilio import AUTH, ballots, client_for

CALLER = "+447700900642"
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE" + "c" * 32
DOC = Path(__file__).parents[2] / "docs" / "offline.md"


@pytest.fixture
def two_ballots(ballot_env: BallotEnv) -> Iterator[tuple[BallotEnv, TestClient, list[str]]]:
    """Two ballots open on the phone line, voicemail on, the tellers' own queue wired in."""
    committee, tokens = ballot_env.make_election(
        slug="committee-2027", title="the branch committee election", tokens=2
    )
    motion, _ = ballot_env.make_election(
        slug="motion-2027", method="referendum", title="the motion on the new rules", tokens=2
    )
    client = client_for(ballot_env, phone_voicemail=True)
    yield ballot_env, client, [committee, motion, tokens[0].digits]
    client.app.state.engine.dispose()  # type: ignore[attr-defined]


def filed(env: BallotEnv) -> dict[str, list[str]]:
    """Each ballot's voicemail batch: the recording references filed in it, in order."""
    with env.read() as s:
        rows = s.exec(
            select(Election.slug, PostalLetter.recording_ref)
            .join(PostalBatch, PostalBatch.election_id == Election.id)  # type: ignore[arg-type]
            .join(PostalLetter, PostalLetter.batch_id == PostalBatch.id)  # type: ignore[arg-type]
            .where(PostalBatch.kind == BatchKind.VOICEMAIL)
            .order_by(PostalLetter.number)  # type: ignore[arg-type]
        ).all()
    out: dict[str, list[str]] = {}
    for slug, ref in rows:
        out.setdefault(slug, []).append(ref or "")
    return out


def voicemail_call(client: TestClient, keys: list[str], **kwargs: object) -> Transcript:
    """A call from the same number that presses 0 for voicemail, then ``keys``."""
    return call(client, ["0", *keys], auth_token=AUTH, caller=CALLER, recording=RECORDING,
                **kwargs)  # type: ignore[arg-type]  # fmt: skip


def heard(transcript: Transcript) -> str:
    """The call as the caller hears it: each sentence, and what they did, in order."""
    lines: list[str] = []
    sent = iter(transcript.sent)
    for text in transcript.documents:
        for said in re.findall(r"<Say[^>]*>(.*?)</Say>", text):
            lines.append("  " + said.replace("&amp;", "&"))
        if "<Gather" in text:
            keys = next(sent)
            lines.append(f"[keys {keys} then hash]" if keys else "[silence]")
        elif "<Record" in text:
            lines.append(f"[{next(sent)}]")
    return "\n".join(lines)


def test_a_message_for_the_second_of_two_ballots_is_filed_for_it(
    two_ballots: tuple[BallotEnv, TestClient, list[str]],
) -> None:
    env, client, (committee, motion, _token) = two_ballots
    transcript = voicemail_call(client, ["2"])
    said = transcript.said
    menu = next(s for s in said if s.startswith("Which ballot is your message for?"))
    assert "For the branch committee election, press 1 then hash." in menu
    assert "For the motion on the new rules, press 2 then hash." in menu
    assert said[-3:-1] == [
        "Your message is for the motion on the new rules.",
        "After the tone, please read out the token from your card, slowly, then your choices. "
        "Press hash when you have finished.",
    ]
    assert said[-1] == (
        "Thank you. Your message for the motion on the new rules will be keyed by the tellers. "
        "Goodbye."
    )
    assert transcript.hung_up_by_server
    assert filed(env) == {motion: [RECORDING]}
    assert committee not in filed(env) and ballots(env) == []


def test_the_whole_call_is_printed_in_the_docs_as_it_is_heard(
    two_ballots: tuple[BallotEnv, TestClient, list[str]],
) -> None:
    _env, client, _ = two_ballots
    script = heard(voicemail_call(client, ["", "7", "1"]))
    block = DOC.read_text(encoding="utf-8").split("<!-- voicemail-call -->")[1]
    assert script in block, f"docs/offline.md's voicemail call is not what is said:\n{script}"


def test_keying_the_token_at_the_menu_files_the_message_for_its_ballot(
    two_ballots: tuple[BallotEnv, TestClient, list[str]],
) -> None:
    env, client, (committee, _motion, token) = two_ballots
    transcript = voicemail_call(client, [token])
    assert "Your message is for the branch committee election." in transcript.said
    assert filed(env) == {committee: [RECORDING]}


def test_a_wrong_key_or_a_mistyped_token_repeats_the_menu(
    two_ballots: tuple[BallotEnv, TestClient, list[str]],
) -> None:
    env, client, (committee, _motion, token) = two_ballots
    typo = token[:-1] + str((int(token[-1]) + 1) % 10)
    transcript = voicemail_call(client, ["7", typo, "1"])
    said = transcript.said
    assert "There is no ballot number 7." in said
    assert "That token has a typing error. Please check the digits on your card." in said
    menus = [s for s in said if s.startswith("Which ballot is your message for?")]
    assert len(menus) == 3  # asked, then asked again after each mistake
    assert filed(env) == {committee: [RECORDING]}


def test_silence_at_the_menu_still_takes_the_message_and_files_it_for_every_ballot(
    two_ballots: tuple[BallotEnv, TestClient, list[str]],
) -> None:
    env, client, (committee, motion, _token) = two_ballots
    transcript = voicemail_call(client, ["", "", ""])
    said = transcript.said
    assert said.count("I did not hear a key.") == 3
    assert (
        "I will take your message anyway, and the tellers will find its ballot from your token."
        in said
    )
    assert said[-1] == "Thank you. Your message will be keyed by the tellers. Goodbye."
    assert filed(env) == {committee: [RECORDING], motion: [RECORDING]}


def test_a_silent_recording_asks_again_and_the_next_one_is_filed(
    two_ballots: tuple[BallotEnv, TestClient, list[str]],
) -> None:
    env, client, (committee, motion, _token) = two_ballots
    transcript = voicemail_call(client, ["1"], silent_recordings=2)
    assert transcript.said.count("I did not hear a message. Let's try again.") == 2
    assert transcript.sent[-3:] == ["(silence)", "(silence)", "(spoken message)"]
    assert filed(env) == {committee: [RECORDING]}
    gave_up = voicemail_call(client, ["2"], silent_recordings=3)
    assert gave_up.said[-1] == (
        "No message was recorded. Please call again when you are ready. Goodbye."
    )
    assert filed(env) == {committee: [RECORDING]} and motion not in filed(env)


def test_nothing_about_the_caller_is_stored_or_logged(
    two_ballots: tuple[BallotEnv, TestClient, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    env, client, (_committee, _motion, token) = two_ballots
    caplog.set_level(logging.DEBUG)
    voicemail_call(client, ["2"])
    voicemail_call(client, [token])
    voicemail_call(client, ["", "", ""])
    number = CALLER.lstrip("+")
    with env.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.exec_driver_sql(f'SELECT * FROM "{table}"').all():  # noqa: S608
                for value in row:
                    text = bytes(value).hex() if isinstance(value, (bytes, memoryview)) else value
                    assert number not in str(text), f"the caller's number is in table {table}"
                    assert token not in str(text), f"the keyed token is in table {table}"
    log = "\n".join(r.getMessage() for r in caplog.records)
    assert number not in log and token not in log


def test_one_ballot_open_goes_straight_to_the_tone(ballot_env: BallotEnv) -> None:
    slug, _ = ballot_env.make_election(slug="only-2027", title="the only ballot", tokens=1)
    client = client_for(ballot_env, phone_voicemail=True)
    transcript = voicemail_call(client, [])
    assert not any("Which ballot" in s for s in transcript.said)
    assert transcript.said[-1] == (
        "Thank you. Your message for the only ballot will be keyed by the tellers. Goodbye."
    )
    assert filed(ballot_env) == {slug: [RECORDING]}
    client.app.state.engine.dispose()  # type: ignore[attr-defined]
