"""Recording cards handed out from the console's registers page, on SQLite and PostgreSQL: one
at a time (a second card only as a replacement with a reason), a CSV of many (all or nothing,
every bad row by line), the stock reconciliation, roles, the officer log, and no token shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from ballotbox.services import elections
from ballotbox.storage import repository
from ballotbox.storage.models_members import CardIssue, RegisteredMember
from tests.fixtures.admin import add_officer, csrf, sign_in
from tests.fixtures.elections import CLOSES, BallotEnv
from tests.integration.test_admin_registers import PAGE, SLUG, client, confirm, logged, preview

RECORD = f"{PAGE}/issued"
BULK = f"/admin/uploads/{SLUG}/issued"
REGISTER = b"Member No,Name\nA1,Ann Lee\nA2,Bob Roe\nA3,Cy Dee\n"


@pytest.fixture
def env(ballot_env: BallotEnv) -> BallotEnv:
    ballot_env.make_election(SLUG, tokens=3, open_=False)
    return ballot_env


@pytest.fixture
def officer(env: BallotEnv) -> Iterator[TestClient]:
    secret = add_officer(env, "ro")
    with client(env) as c:
        assert sign_in(c, env, "ro", secret).status_code == 303
        where, page = preview(c, REGISTER, org="Branch")
        assert confirm(c, where, page.text).status_code == 303
        yield c


def record(c: TestClient, number: str, **form: str) -> httpx.Response:
    data = {"csrf_token": csrf(c, PAGE), "number": number, "how": "meeting", **form}
    answer: httpx.Response = c.post(RECORD, data=data, follow_redirects=False)
    return answer


def bulk(c: TestClient, text: str, **form: str) -> httpx.Response:
    answer: httpx.Response = c.post(
        BULK,
        data={"csrf_token": csrf(c, PAGE), "how": "post", **form},
        files={"file": ("handed.csv", text.encode(), "text/csv")},
        follow_redirects=False,
    )
    return answer


def issued(env: BallotEnv) -> list[tuple[str, int, str, str, str]]:
    with env.read() as s:
        rows = s.exec(
            select(RegisteredMember, CardIssue)
            .join(CardIssue, col(CardIssue.member_id) == col(RegisteredMember.id))
            .order_by(col(RegisteredMember.number), col(CardIssue.nth))
        ).all()
        return [(m.number, i.nth, i.how, i.issued_by, i.reason) for m, i in rows]


def stock(page: str, item: str) -> str:
    start = page.index(f'<th scope="row" class="text">{item}</th><td>')
    return page[start:].split("<td>", 1)[1].split("</td>", 1)[0]


def no_token_in(env: BallotEnv, *pages: str) -> None:
    for text in pages:
        flat = text.replace(" ", "").replace("-", "")
        assert not any(t.digits[:10] in flat for t in env.tokens[SLUG])


def test_one_card_is_recorded_a_second_needs_a_replacement_with_a_reason(
    env: BallotEnv, officer: TestClient
) -> None:
    page = officer.get(PAGE).text
    assert "Record a card handed out" in page and 'value="ro"' in page  # by: the officer
    assert f'value="{env.clock.now().date().isoformat()}"' in page  # today (London = UTC now)
    assert stock(page, "members without a card") == "3"

    done = record(officer, "A1", by="J. Teller", on="2027-01-05")
    assert done.status_code == 303 and done.headers["location"].startswith(f"{PAGE}?done=issued")
    shown = officer.get(done.headers["location"]).text
    assert "The card handed out is recorded" in shown
    assert stock(shown, "members with a card") == "1"
    assert stock(shown, "first cards handed out: meeting") == "1"
    assert issued(env) == [("A1", 1, "meeting", "J. Teller", "")]

    again = record(officer, "A1")
    assert again.status_code == 409 and "already received a card" in again.text
    assert "tick “Replacement card”" in again.text and 'id="issue-error"' in again.text
    no_reason = record(officer, "A1", reissue="true")
    assert no_reason.status_code == 422 and "A replacement card needs a reason" in no_reason.text
    assert 'value="A1"' in no_reason.text  # the form keeps what was typed
    unknown = record(officer, "Z9")
    assert unknown.status_code == 404 and "There is no member Z9" in unknown.text
    bad_day = record(officer, "A2", on="5/1/2027")
    assert bad_day.status_code == 422 and "YYYY-MM-DD" in bad_day.text
    assert len(issued(env)) == 1  # none of those recorded anything

    replaced = record(officer, "A1", reissue="true", reason="lost in the post", how="post")
    assert replaced.status_code == 303
    assert issued(env)[1] == ("A1", 2, "post", "ro", "lost in the post")
    final = officer.get(PAGE).text
    assert stock(final, "replacement cards (reissues; the lost cards stay valid)") == "1"
    no_token_in(env, shown, again.text, final)
    entries = [(a, d) for w, a, d in logged(env) if a.startswith("card")]
    assert entries == [
        ("card_handed_out", "first card, meeting, by J. Teller on 2027-01-05"),
        ("card_handed_out", f"replacement card, post, by ro on {env.clock.now().date()}; "
         "reason: lost in the post"),
    ]  # fmt: skip
    assert not any("A1" in d or "Ann" in d for _w, _a, d in logged(env))  # names no member


def test_a_file_with_a_bad_row_records_nothing_and_lists_every_bad_line(
    env: BallotEnv, officer: TestClient
) -> None:
    assert record(officer, "A3").status_code == 303
    refused = bulk(officer, "Member No,How,Date\nA1,,\nZ9,,\nA2,fax,\nA3,,\nA1,,2027-13-01\n")
    assert refused.status_code == 422
    text = refused.text
    assert "Nothing was recorded" in text and 'id="bulk-error"' in text
    assert "Line 3: There is no member Z9" in text
    assert "Line 4: " in text and "fax" in text
    assert "Line 5: Branch member A3 has a card" in text
    assert "Line 6: “2027-13-01” is not a date" in text
    assert "Line 2:" not in text
    assert [n for n, *_ in issued(env)] == ["A3"]  # all or nothing

    done = bulk(officer, "Member No,By\nA1,Desk\nA2,\n", on="2027-01-06")
    assert done.status_code == 303 and "done=issued_file" in done.headers["location"]
    assert issued(env) == [
        ("A1", 1, "post", "Desk", ""),
        ("A2", 1, "post", "ro", ""),
        ("A3", 1, "meeting", "ro", ""),
    ]
    assert ("ro", "cards_handed_out", "2 first card(s) from handed.csv") in logged(env)
    page = officer.get(PAGE).text
    assert stock(page, "members without a card") == "0"
    no_token_in(env, page, text)


def test_a_scrutineer_reads_the_stock_but_records_nothing(
    env: BallotEnv, officer: TestClient
) -> None:
    assert record(officer, "A1").status_code == 303
    secret = add_officer(env, "sam", "scrutineer")
    with client(env) as sam:
        assert sign_in(sam, env, "sam", secret).status_code == 303
        page = sam.get(PAGE)
        assert page.status_code == 200 and "Cards: stock reconciliation" in page.text
        assert stock(page.text, "members with a card") == "1"
        assert "Record a card handed out" not in page.text and RECORD not in page.text
        token = csrf(sam, PAGE)
        data = {"csrf_token": token, "number": "A2", "how": "meeting"}
        assert sam.post(RECORD, data=data).status_code == 403
        files = {"file": ("x.csv", b"Member No\nA2\n", "text/csv")}
        assert sam.post(BULK, data=data, files=files).status_code == 403
    assert [n for n, *_ in issued(env)] == ["A1"]
    no_token_in(env, page.text)


def test_no_card_is_recorded_once_voting_has_closed(env: BallotEnv, officer: TestClient) -> None:
    env.clock.set(env.clock.now() + timedelta(days=6))
    with env.session() as s:
        elections.open_now(s, env.ctx, repository.election_by_slug(s, SLUG))
    env.clock.set(CLOSES - timedelta(minutes=5))
    secret = add_officer(env, "ro2")
    with client(env) as ro:
        assert sign_in(ro, env, "ro2", secret).status_code == 303
        token = csrf(ro, PAGE)
        assert "Record a card handed out" in ro.get(PAGE).text  # open: cards from the reserve
        env.clock.set(CLOSES + timedelta(minutes=1))
        with env.session() as s:
            elections.close_now(s, env.ctx, repository.election_by_slug(s, SLUG))
        page = ro.get(PAGE).text
        assert "Record a card handed out" not in page and "Cards: stock reconciliation" in page
        data = {"csrf_token": token, "number": "A1", "how": "meeting"}
        refused = ro.post(RECORD, data=data, follow_redirects=False)
    assert refused.status_code == 409 and "no more cards can be handed out" in refused.text
    assert issued(env) == []
