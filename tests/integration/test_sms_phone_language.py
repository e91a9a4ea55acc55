"""Texts and calls in Welsh: the CYMRAEG / ENGLISH keywords, a ballot's languages, the phone menu.

Through the real app on SQLite and PostgreSQL, signed as Twilio signs.  A
ballot lists its languages in its definition (``languages = ["cy", "en"]``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ballotbox.adapters.phone.simulator import call
from ballotbox.adapters.sms.simulator import send
from ballotbox.core import i18n
from tests.fixtures.elections import BallotEnv
from tests.fixtures.twilio import AUTH, ballots, client_for


@pytest.fixture
def twilio(ballot_env: BallotEnv) -> Iterator[TestClient]:
    client = client_for(ballot_env)
    yield client
    client.app.state.engine.dispose()  # type: ignore[attr-defined]
    i18n.set_locale("en")


def test_cymraeg_alone_gets_the_help_in_welsh(twilio: TestClient) -> None:
    assert "To vote, text" in send(twilio, "HELP", auth_token=AUTH).messages[0]
    for word in ("CYMRAEG", "cymorth"):
        reply = send(twilio, word, auth_token=AUTH)
        assert "I bleidleisio, anfonwch neges" in reply.messages[0], word


def test_a_keyword_with_the_token_answers_in_welsh_and_votes(
    ballot_env: BallotEnv, twilio: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=2)
    ballot = " ".join(send(twilio, f"CYMRAEG {tokens[0].grouped}", auth_token=AUTH).messages)
    assert "1 Ann Example," in ballot and "Atebwch gyda'ch tocyn" in ballot
    reply = " ".join(send(twilio, f"{tokens[0].grouped} 3 1 cymraeg", auth_token=AUTH).messages)
    assert "Pleidlais wedi'i chofnodi ar gyfer Test election test-2027." in reply
    assert "Eich trefn: 1 Cy Twombly, 2 Ann Example." in reply
    assert re.search(r"Cod derbynneb [2-9A-HJ-NP-Z]{8}\.", reply)
    [stored] = ballots(ballot_env)
    assert json.loads(stored.choices) == [3, 1]
    again = send(twilio, f"CYMRAEG {tokens[0].grouped} 1", auth_token=AUTH).messages
    assert again == ["Mae'r tocyn hwn eisoes wedi'i ddefnyddio i bleidleisio. "
                     "Un bleidlais sydd gan bob tocyn."]  # fmt: skip


def test_a_welsh_ballot_answers_in_welsh_unless_asked_for_english(
    ballot_env: BallotEnv, twilio: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(method="referendum", tokens=2, languages=["cy", "en"])
    assert "IE, NA neu YMATAL." in " ".join(
        send(twilio, tokens[0].grouped, auth_token=AUTH).messages
    )
    welsh = " ".join(send(twilio, f"{tokens[0].grouped} ie", auth_token=AUTH).messages)
    assert "Eich ateb: Ie." in welsh
    english = " ".join(send(twilio, f"ENGLISH {tokens[1].grouped} NA", auth_token=AUTH).messages)
    assert "Your answer: No." in english
    assert sorted(json.loads(b.choices) for b in ballots(ballot_env)) == [[1], [2]]
    # A text that names no ballot is answered in the installation's language.
    assert "To vote, text" in send(twilio, "HELP", auth_token=AUTH).messages[0]


def test_the_phone_offers_a_language_menu_and_votes_in_welsh(
    ballot_env: BallotEnv, twilio: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=2, languages=["cy", "en"])
    transcript = call(twilio, f"1#{tokens[0].digits}#3#1##1", auth_token=AUTH)
    assert transcript.said[:2] == ["Am Gymraeg, pwyswch 1.", "For English, press 2."]
    menu = transcript.documents[0]
    assert '<Gather action="' in menu and 'numDigits="1"' in menu
    assert '<Say language="cy-GB" voice="Polly.Gwyneth">Am Gymraeg' in menu
    assert '<Say language="en-GB">For English' in menu
    text = transcript.text
    assert "Croeso i linell bleidleisio Example Organisation." in text
    assert "Eich dewisiadau yw: dewis rhif un, Cy Twombly; dewis rhif dau, Ann Example." in text
    assert "Mae eich pleidlais wedi'i chofnodi. Diolch." in text
    assert "Your" not in text and "Press" not in text
    for document in transcript.documents[1:]:
        assert all(
            'language="cy-GB" voice="Polly.Gwyneth"' in say
            for say in re.findall(r"<Say [^>]*>", document)
        )
    [stored] = ballots(ballot_env)
    assert json.loads(stored.choices) == [3, 1]


def test_the_phone_menu_in_english_and_no_key_keeps_the_first(
    ballot_env: BallotEnv, twilio: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=2, languages=["cy", "en"])
    english = call(twilio, f"2#{tokens[0].digits}#", auth_token=AUTH)
    assert "Welcome to the Example Organisation ballot line." in english.text
    assert "Thank you. This is the ballot for Test election test-2027." in english.text
    silent = call(twilio, ["", tokens[1].digits], auth_token=AUTH)
    assert "Croeso i linell bleidleisio Example Organisation." in silent.text


def test_no_menu_for_a_ballot_of_one_language(ballot_env: BallotEnv, twilio: TestClient) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1, languages=["cy"])
    transcript = call(twilio, f"{tokens[0].digits}#", auth_token=AUTH)
    # No menu; the greeting is the installation's until the token names the ballot.
    assert transcript.said[0] == "Welcome to the Example Organisation ballot line."
    assert "Diolch. Dyma'r bleidlais ar gyfer Test election test-2027." in transcript.text
