"""A ballot of several contests in Welsh, end to end by text and by phone, on SQLite and PostgreSQL.

The three-contest ballot (A slate, B chair, C motion) with each contest's
title translated (``title_cy``); candidate names stay as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ballotbox.adapters.phone.simulator import call
from ballotbox.adapters.sms.replies import GSM_SEGMENT, segment_limit
from ballotbox.adapters.sms.simulator import send
from ballotbox.core import i18n
from tests.fixtures.contest_ballots import make_three_contest_ballot, three_contests
from tests.fixtures.elections import BallotEnv
from tests.fixtures.twilio import AUTH, ballots, client_for

WELSH_TITLES = {"A": "Pwyllgor gwaith", "B": "Cadeirydd", "C": "Cynnig 1: ymuno gyda'r ymgyrch"}


def welsh_contests() -> list[dict[str, Any]]:
    """The three contests, each title with its Welsh translation."""
    contests: list[dict[str, Any]] = three_contests()["contests"]
    return [{**c, "title_cy": WELSH_TITLES[c["key"]]} for c in contests]


def joined(messages: list[str]) -> str:
    """The parts of a reply as one text, without their "1/3 " numbering."""
    return " ".join(re.sub(r"^\d+/\d+ ", "", m) for m in messages)


@pytest.fixture
def twilio(ballot_env: BallotEnv) -> Iterator[TestClient]:
    client = client_for(ballot_env)
    yield client
    client.app.state.engine.dispose()  # type: ignore[attr-defined]
    i18n.set_locale("en")


def test_cymraeg_then_a_vote_by_contest_key_is_answered_in_welsh(
    ballot_env: BallotEnv, twilio: TestClient
) -> None:
    # An English-first ballot: CYMRAEG in the text asks for Welsh.
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=2, contests=welsh_contests())
    listing = send(twilio, f"CYMRAEG {tokens[0].grouped}", auth_token=AUTH).messages
    text = joined(listing)
    for line in (
        "Annual ballot 2027: 3 adran.",
        "A: Pwyllgor gwaith (rhifwch yn nhrefn eich dewis, 3 sedd):",
        "B: Cadeirydd (rhifwch yn nhrefn eich dewis): 1 Ann Example, 2 Mo Farah",
        "C: Cynnig 1: ymuno gyda'r ymgyrch: IE, NA neu YMATAL.",
        "Atebwch gyda'ch tocyn ac yna llythyren pob adran a'ch dewisiadau, "
        "e.e. TOCYN A 3 2 1 B 3 2 1 C IE. Gadewch adran allan i'w gadael yn wag.",
    ):
        assert line in text, line
    assert "Executive" not in text and "Reply" not in text
    assert all(segment_limit(m) == GSM_SEGMENT and len(m) <= GSM_SEGMENT for m in listing)

    reply = send(twilio, f"CYMRAEG {tokens[0].grouped} A 3 1 2 B 2 C IE", auth_token=AUTH).messages
    text = joined(reply)
    assert "Pleidlais wedi'i chofnodi ar gyfer Annual ballot 2027." in text
    assert "A: 1 Cy Twombly, 2 Ann Example, 3 Bob Builder. B: 1 Mo Farah. C: Ie." in text
    assert re.search(r"Cod derbynneb [2-9A-HJ-NP-Z]{8}\.", text)
    # Welsh replies that only SMS sends stay in GSM-7: 160 characters a part.
    assert all(segment_limit(m) == GSM_SEGMENT and len(m) <= GSM_SEGMENT for m in reply)
    [stored] = ballots(ballot_env)
    assert stored.channel == "sms"
    assert json.loads(stored.choices) == {"A": [3, 1, 2], "B": [2], "C": [1]}

    # A contest left out is read back blank; a problem names the contest in Welsh.
    wrong = send(twilio, f"CYMRAEG {tokens[1].grouped} B 9", auth_token=AUTH).messages
    assert wrong[0].startswith("Adran B, Cadeirydd: ")
    unkeyed = joined(send(twilio, f"{tokens[1].grouped} 1 cymraeg", auth_token=AUTH).messages)
    assert (
        unkeyed
        == "Rhowch lythyren pob adran o flaen ei dewisiadau, e.e. TOCYN A 3 2 1 B 3 2 1 C IE."
    )
    unknown = joined(send(twilio, f"{tokens[1].grouped} A 1 D 2 cymraeg", auth_token=AUTH).messages)
    assert "Nid oes adran D ar y bleidlais hon" in unknown
    blank = joined(send(twilio, f"CYMRAEG {tokens[1].grouped} C NA", auth_token=AUTH).messages)
    assert "A: yn wag. B: yn wag. C: Na." in blank
    assert len(ballots(ballot_env)) == 2


def test_a_welsh_first_ballot_answers_in_welsh_and_english_on_request(
    ballot_env: BallotEnv, twilio: TestClient
) -> None:
    _slug, tokens = make_three_contest_ballot(
        ballot_env, tokens=2, languages=["cy", "en"], contests=welsh_contests()
    )
    welsh = joined(send(twilio, f"{tokens[0].grouped} A 1 C YMATAL", auth_token=AUTH).messages)
    assert "A: 1 Ann Example. B: yn wag. C: Ymatal." in welsh
    english = joined(send(twilio, f"ENGLISH {tokens[1].grouped}", auth_token=AUTH).messages)
    assert "A: Executive committee (number in order of preference, 3 seats):" in english
    assert "Pwyllgor" not in english


def test_pressing_2_at_the_menu_hears_every_contest_in_welsh(
    ballot_env: BallotEnv, twilio: TestClient
) -> None:
    _slug, tokens = make_three_contest_ballot(
        ballot_env, tokens=1, languages=["en", "cy"], contests=welsh_contests()
    )
    # 2 = Cymraeg; A: 3 then 1, # to finish; B skipped with *; C: 1 (yes); confirm with 1.
    transcript = call(twilio, f"2#{tokens[0].digits}#3#1##*#1#1", auth_token=AUTH)
    assert transcript.said[:2] == ["For English, press 1.", "Am Gymraeg, pwyswch 2."]
    said = transcript.said[2:]
    for line in (
        "Croeso i linell bleidleisio Example Organisation.",
        "Diolch. Dyma'r bleidlais ar gyfer Annual ballot 2027.",
        "Adran A, Pwyllgor gwaith, 3 sedd.",
        "Adran B, Cadeirydd.",
        "Adran C, Cynnig 1: ymuno gyda'r ymgyrch.",
        "Gadawyd adran B yn wag.",
        "Dyma eich pleidlais gyfan.",
        "Adran B, Cadeirydd. Wedi'i gadael yn wag.",
        "Adran C, Cynnig 1: ymuno gyda'r ymgyrch. Eich ateb: Ie.",
        "Mae eich pleidlais wedi'i chofnodi. Diolch.",
    ):
        assert line in said, (line, said)
    assert said.index("Adran A, Pwyllgor gwaith, 3 sedd.") < said.index("Adran B, Cadeirydd.")
    assert any(s.startswith("Mae gan y bleidlais hon 3 adran.") for s in said)
    assert any("Cy Twombly" in s and s.startswith("Adran A, Pwyllgor gwaith.") for s in said)
    english = ("Contest", "Press", "Your", "Executive", "Chair", "skipped", "blank")
    assert not [s for s in said if any(word in s for word in english)]
    for document in transcript.documents[1:]:
        assert all(
            'language="cy-GB" voice="Polly.Gwyneth"' in say
            for say in re.findall(r"<Say [^>]*>", document)
        )
    [stored] = ballots(ballot_env)
    assert stored.channel == "phone"
    assert json.loads(stored.choices) == {"A": [3, 1], "B": [], "C": [1]}


def test_no_menu_when_the_ballot_has_one_language(
    ballot_env: BallotEnv, twilio: TestClient
) -> None:
    _slug, tokens = make_three_contest_ballot(
        ballot_env, tokens=1, languages=["cy"], contests=welsh_contests()
    )
    transcript = call(twilio, f"{tokens[0].digits}#", auth_token=AUTH)
    assert transcript.said[0] == "Welcome to the Example Organisation ballot line."
    assert "Adran A, Pwyllgor gwaith, 3 sedd." in transcript.said
