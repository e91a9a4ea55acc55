"""Postal keying of a ballot of several contests: the console, double entry, adjudication, CSV."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ballotbox.core.errors import FileFormatError
from ballotbox.services.elections import definition_of
from ballotbox.services.postal import bulk
from ballotbox.storage import repository
from ballotbox.storage.models import Ballot
from ballotbox.storage.models_postal import TellerAction
from tests.fixtures.contest_ballots import make_three_contest_ballot
from tests.fixtures.elections import BallotEnv
from tests.integration.test_postal_console import client, csrf, sign_in
from tests.unit.postal.support import add_tellers, batch_of, open_batch, postal_dump

SLUG = "agm-2027"


@pytest.fixture
def env(ballot_env: BallotEnv) -> BallotEnv:
    make_three_contest_ballot(ballot_env, SLUG, tokens=6)
    add_tellers(ballot_env, ann="teller", bob="teller", sam="supervisor")
    return ballot_env


@pytest.fixture
def clients(env: BallotEnv) -> Iterator[dict[str, TestClient]]:
    made = {}
    for name in ("ann", "bob", "sam"):
        made[name] = client(env)
        made[name].__enter__()
        assert sign_in(made[name], name).status_code == 303
    yield made
    for c in made.values():
        c.__exit__(None, None, None)


def key(c: TestClient, batch_id: int, letter: int, token: str, marks: dict[str, str]):
    data = {"csrf_token": csrf(c, f"/teller/batches/{batch_id}/key"), "letter": str(letter),
            "token": token, "spoilt": "", **marks}  # fmt: skip
    return c.post(f"/teller/batches/{batch_id}/key", data=data)


def stored(env: BallotEnv) -> dict[str, object]:
    with env.read() as s:
        return {b.token: json.loads(b.choices) for b in s.exec(select(Ballot)).all()}


def test_the_form_has_a_section_per_contest_in_ballot_order(
    env: BallotEnv, clients: dict[str, TestClient]
) -> None:
    batch_id = open_batch(env, SLUG, 2)
    form = clients["ann"].get(f"/teller/batches/{batch_id}/key").text
    assert re.findall(r'<fieldset class="contest-marks" id="marks_([A-Z])"', form) == [
        "A",
        "B",
        "C",
    ]
    boxes = re.findall(r'<input id="(mark_[A-Z]_\d+)"', form)
    assert boxes == [f"mark_A_{n}" for n in range(1, 7)] + ["mark_B_1", "mark_B_2", "mark_B_3"] + [
        "mark_C_1", "mark_C_2", "mark_C_3"]  # fmt: skip
    # Same candidate order as the ballot paper: names in card order inside each contest.
    assert re.search(r"Ann Example.*Mo Farah.*Nye Bevan.*Yes.*No.*Abstain", form, re.S)


def test_double_entry_compares_every_contest_and_adjudication_shows_where(
    env: BallotEnv, clients: dict[str, TestClient]
) -> None:
    tokens = env.tokens[SLUG]
    batch_id = open_batch(env, SLUG, 2)
    ann, bob, sam = clients["ann"], clients["bob"], clients["sam"]
    letter_1 = {"mark_A_3": "1", "mark_A_1": "2", "mark_C_2": "X"}
    assert "Letter 1 saved" in key(ann, batch_id, 1, tokens[0].grouped, letter_1).text
    assert "The ballot is cast" in key(bob, batch_id, 1, tokens[0].digits, letter_1).text
    assert stored(env) == {tokens[0].digits: {"A": [3, 1], "B": [], "C": [2]}}
    # A problem in one contest is named and marks that contest's section.
    bad = key(ann, batch_id, 2, tokens[1].digits, {"mark_B_1": "1", "mark_B_2": "1"})
    assert bad.status_code == 422 and "Contest B, Chair: Two candidates are marked 1" in bad.text
    assert re.search(r'id="marks_B"\s*aria-invalid="true"', bad.text)
    # Letter 2: the two tellers agree on A and B, not on C.
    key(ann, batch_id, 2, tokens[1].digits, {"mark_A_2": "1", "mark_B_3": "1", "mark_C_1": "X"})
    differs = key(bob, batch_id, 2, tokens[1].digits,
                  {"mark_A_2": "1", "mark_B_3": "1", "mark_C_3": "x"})  # fmt: skip
    assert "goes to a supervisor" in differs.text
    page = sam.get(f"/teller/adjudication/{batch_id}/2").text
    rows = re.findall(r'<tr class="contest-row( differs)?">\s*<th scope="rowgroup" colspan="3">'
                      r'<span class="contest-key">([A-Z])</span>', page)  # fmt: skip
    assert rows == [("", "A"), ("", "B"), (" differs", "C")]
    assert page.count('<tr class="differs">') == 2  # C's Yes and Abstain rows
    settled = sam.post(
        f"/teller/adjudication/{batch_id}/2",
        data={"csrf_token": csrf(sam, f"/teller/adjudication/{batch_id}/2"),
              "token": tokens[1].grouped, "mark_A_2": "1", "mark_B_3": "1", "mark_C_3": "X",
              "spoilt": ""},
        follow_redirects=False,
    )  # fmt: skip
    assert settled.status_code == 303
    assert stored(env)[tokens[1].digits] == {"A": [2], "B": [3], "C": [3]}
    with env.read() as s:
        details = [a.detail for a in s.exec(select(TellerAction)).all()]
        dump = postal_dump(s)
    assert "entries differ in contest C" in details
    assert tokens[1].digits not in dump and '"ballot"' not in dump


def csv_text(teller: str, rows: list[list[str]]) -> str:
    header = "letter,teller,token,spoilt,A1,A2,A3,A4,A5,A6,B1,B2,B3,C1,C2,C3"
    return "\n".join([header, *(",".join([str(n), teller, *r]) for n, r in enumerate(rows, 1))])


def test_bulk_files_carry_a_column_per_contest_and_candidate(env: BallotEnv) -> None:
    tokens = env.tokens[SLUG]
    batch_id = open_batch(env, SLUG, 3)
    rows = [
        [tokens[0].grouped, "", "2", "", "1", "", "", "", "", "", "", "X", "", ""],
        [tokens[1].digits, "", "", "", "", "", "", "", "", "", "", "", "", "x"],
        ["", "no_token", "", "", "", "", "", "", "", "", "", "", "", ""],
    ]
    with env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        outcome = bulk.import_entries(s, env.ctx, election, batch_of(s, batch_id),
                                      ("ann.csv", csv_text("ann", rows)),
                                      ("bob.csv", csv_text("bob", rows)))  # fmt: skip
    assert outcome == {"accepted": 2, "spoilt": 1}
    assert stored(env) == {
        tokens[0].digits: {"A": [3, 1], "B": [], "C": [1]},
        tokens[1].digits: {"A": [], "B": [], "C": [3]},
    }


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("letter,teller,token,spoilt,A1,D1",
         "unknown column “D1” (candidate columns are the contest's letter and the candidate's "
         "number: A1 to A6, B1 to B3, C1 to C3)"),
        ("letter,teller,token,spoilt,1,2", "unknown column “1”"),
        ("letter,teller,spoilt,A1", "named by contest and number: A1, A2"),
    ],
)  # fmt: skip
def test_a_file_with_the_wrong_columns_is_refused_with_the_scheme(
    env: BallotEnv, header: str, message: str
) -> None:
    with pytest.raises(FileFormatError) as caught:
        with env.read() as s:
            definition = definition_of(repository.election_by_slug(s, SLUG))
            bulk.read_keying_file(header + "\n", "ann.csv", definition, 3)
    assert message in caught.value.message
