"""Member registers and the card issuance register on a real database.

The rule under test above all: the register says *that* a member got a card,
never which one.  After printing cards and recording hand-outs, no row of the
member, card_issue or card_run tables holds a token, a keyed hash or a serial,
and the token table holds nothing about members.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from ballotbox.core.errors import InputError, LifecycleError
from ballotbox.core.members.registers import read_register
from ballotbox.core.tokens.format import parse
from ballotbox.core.tokens.hashing import token_hash
from ballotbox.services import elections, print_runs
from ballotbox.services import issuance_register as registry
from ballotbox.storage import repository
from ballotbox.storage.models import BallotToken
from ballotbox.storage.models_members import CardIssue
from tests.fixtures.elections import CLOSES, BallotEnv

SLUG = "test-2027"
DAY = date(2027, 1, 4)
NORTH = (
    "Membership No,Full Name,E-mail,Post code,Address 1,Town\n"
    "NW-101,Ann Smith,ann@example.org,m1 1aa,1 High St,Manchester\n"
    "NW-102,Bob Jones,bob@bad,M2 2BB,2 Low St,Manchester\n"
    ",No Number,,M3 3CC,3 Side St,Bury\n"
    'NW-103,"O\'Brien, José",jose@example.org,M4 4DD,4 Road,Salford\n'
    "NW-104,Dee Dee,dee@example.org,M5 5EE,5 Lane,Bolton\n"
)
YORKS = (
    "Member Ref;Name;Email;Postcode\n"
    "Y-200;Dr Jose O Brien;;M44DD\n"
    "Y-201;Cara Lee;cara@example.org;LS1 1AA\n"
    "NW-104;Someone Else;;LS2 2BB\n"
)


def handout(how: str = "meeting", **extra: Any) -> registry.Handout:
    return registry.Handout(how=how, by="J. Teller", on=DAY, **extra)


def load_registers(env: BallotEnv) -> None:
    with env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        north = registry.import_register(s, election, read_register(NORTH, "North West"))
        yorks = registry.import_register(
            s, election, read_register(YORKS, "Yorkshire", {"number": "Member Ref"})
        )
    assert (north.added, [(p.line, p.reason) for p in north.problems]) == (
        4,
        [(4, "missing membership number")],
    )
    # A malformed email is a warning on that field; Bob Jones is kept.
    assert [(w.line, w.field, w.value) for w in north.warnings] == [(3, "email", "bob@bad")]
    assert yorks.added == 3 and yorks.problems == []


def give(env: BallotEnv, number: str, org: str | None = None, **extra: Any) -> CardIssue:
    with env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        member = registry.find_member(s, election, number, org)
        return registry.record_issue(s, env.ctx, election, member, handout(**extra))


def test_importing_again_updates_and_keeps_and_duplicates_are_grouped(
    ballot_env: BallotEnv,
) -> None:
    ballot_env.make_election(SLUG, tokens=0, open_=False)
    load_registers(ballot_env)
    changed = NORTH.replace("Ann Smith,ann@", "Ann Smith-Jones,ann@").replace(
        "NW-104,Dee Dee,dee@example.org,M5 5EE,5 Lane,Bolton\n",
        "NW-105,New Member,,M6 6FF,6 Way,Wigan\n",
    )
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        again = registry.import_register(s, election, read_register(changed, "North West"))
        groups = registry.duplicates(s, election)
    assert (again.added, again.updated, again.unchanged, again.not_in_file) == (1, 1, 2, 1)
    found = {
        tuple(sorted(f"{m.org}/{m.number}" for m in g.members)): sorted(x.reason for x in g.matches)
        for g in groups
    }
    assert found == {
        ("North West/NW-103", "Yorkshire/Y-200"): ["same name and postcode M44DD"],
        ("North West/NW-104", "Yorkshire/NW-104"): ["same membership number NW-104"],
    }


def test_one_card_per_member_unless_a_logged_reissue(ballot_env: BallotEnv) -> None:
    ballot_env.make_election(SLUG, tokens=0, open_=False)
    load_registers(ballot_env)
    first = give(ballot_env, "NW-101")
    assert (first.nth, first.how, first.issued_by, first.issued_on, first.reserve) == (
        1,
        "meeting",
        "J. Teller",
        DAY,
        False,
    )
    with pytest.raises(registry.AlreadyIssuedError, match="--reissue"):
        give(ballot_env, "NW-101", how="post")
    with pytest.raises(InputError, match="needs a reason"):
        give(ballot_env, "NW-101", reissue=True)
    with pytest.raises(InputError, match="has not had a card"):
        give(ballot_env, "Y-201", reissue=True, reason="lost")
    with pytest.raises(registry.AmbiguousMemberError, match="North West, Yorkshire"):
        give(ballot_env, "NW-104")
    with pytest.raises(registry.UnknownMemberError):
        give(ballot_env, "NW-999")
    with pytest.raises(InputError, match="must be one of"):
        give(ballot_env, "Y-201", how="carrier pigeon")
    again = give(ballot_env, "NW-101", how="post", reissue=True, reason="card lost in the post")
    assert (again.nth, again.reason) == (2, "card lost in the post")
    assert give(ballot_env, "NW-104", "Yorkshire").nth == 1


def test_bulk_records_all_rows_or_none_and_names_every_bad_line(ballot_env: BallotEnv) -> None:
    ballot_env.make_election(SLUG, tokens=0, open_=False)
    load_registers(ballot_env)
    give(ballot_env, "NW-101")
    bad = (
        "Membership No,Org,How,Date\nNW-103,,post,2027-01-02\nNW-101,,,\nNW-999,,,\n"
        "Y-201,Yorkshire,,02/01/2027\nNW-103,,,\nNW-104,,,\n"
    )
    with ballot_env.session() as s, pytest.raises(registry.IssueFileError) as caught:
        election = repository.election_by_slug(s, SLUG)
        registry.record_bulk(s, ballot_env.ctx, election, "meeting.csv", bad.encode(), handout())
    assert [(p.line, p.reason.split(" (")[0]) for p in caught.value.problems] == [
        (3, "North West member NW-101 has a card"),
        (4, "There is no member NW-999 on the registers of “test-2027”."),
        (5, "“02/01/2027” is not a date"),
        (6, "NW-103 is also on line 2"),
        (7, "Membership number NW-104 is on several registers"),
    ]
    assert caught.value.message.startswith(
        "meeting.csv: 5 row(s) have problems; nothing was recorded"
    )
    with ballot_env.read() as s:
        assert len(repository.all_card_issues(s, 1)) == 1
    good = "Member No,Org,How,Date\nNW-103,,post,2027-01-02\nY-201,Yorkshire,,\n"
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        assert (
            registry.record_bulk(s, ballot_env.ctx, election, "ok.csv", good.encode(), handout())
            == 2
        )
    with ballot_env.read() as s:
        issues = sorted((i.how, i.issued_on) for i in repository.all_card_issues(s, 1))
    assert issues == [("meeting", DAY), ("meeting", DAY), ("post", date(2027, 1, 2))]


def test_the_stock_reconciliation_adds_up(ballot_env: BallotEnv, tmp_path: Path) -> None:
    ballot_env.make_election(SLUG, tokens=0, open_=False)
    load_registers(ballot_env)
    cards = print_cards(ballot_env, tmp_path, 8)
    print_cards(ballot_env, tmp_path, 3, reserve=True)
    with ballot_env.session() as s:  # two leftover cards voided before opening
        from ballotbox.services import issuance

        issuance.void(s, ballot_env.ctx, repository.election_by_slug(s, SLUG), cards[-2:])
    for number in ("NW-101", "NW-103", "Y-200"):
        give(ballot_env, number)
    give(ballot_env, "Y-201", how="post")
    ballot_env.clock.set(ballot_env.clock.now() + timedelta(days=6))
    with ballot_env.session() as s:
        elections.open_now(s, ballot_env.ctx, repository.election_by_slug(s, SLUG))
    replacement = give(ballot_env, "NW-101", how="office", reissue=True, reason="lost")
    assert replacement.reserve  # once voting is open, every card comes from the reserve
    with ballot_env.read() as s:
        lines = {
            line.item: line.count
            for line in registry.stock_reconciliation(s, repository.election_by_slug(s, SLUG))
        }
        without = [m.number for m in repository.members_without_card(s, 1)]
    assert lines == {
        "cards printed, main stock": 8,
        "cards printed, reserve stock": 3,
        "tokens issued in the database": 11,
        "cards voided (spoiled or left over)": 2,
        "cards handed out, main stock": 4,
        "cards handed out, reserve stock": 1,
        "first cards handed out: meeting": 3,
        "first cards handed out: post": 1,
        "replacement cards (reissues; the lost cards stay valid)": 1,
        "cards neither handed out nor voided": 4,
        "reserve cards left": 2,
        "members on the registers": 7,  # Bob Jones kept: a bad email is a warning
        "members with a card": 4,
        "members without a card": 3,
    }
    assert sorted(without) == ["NW-102", "NW-104", "NW-104"]
    ballot_env.clock.set(CLOSES + timedelta(minutes=1))
    with ballot_env.session() as s:
        elections.close_now(s, ballot_env.ctx, repository.election_by_slug(s, SLUG))
    with pytest.raises(LifecycleError, match="closed"):
        give(ballot_env, "NW-104", "Yorkshire")


def print_cards(env: BallotEnv, folder: Path, count: int, *, reserve: bool = False) -> list:  # type: ignore[type-arg]
    out = folder / f"run-{len(list(folder.glob('run-*')))}.csv"
    with print_runs.removed_on_failure() as created, env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        job = print_runs.PrintJob(csv=out, reserve=reserve)
        print_runs.issue_and_print(s, env.ctx, election, count, job, created=created)
    with out.open(newline="") as fh:
        return [parse(row["token"]) for row in csv.DictReader(fh)]


def test_no_member_row_holds_a_token_hash_or_serial_and_no_token_row_a_member(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    ballot_env.make_election(SLUG, tokens=0, open_=False)
    load_registers(ballot_env)
    out = tmp_path / "cards.csv"
    with print_runs.removed_on_failure() as created, ballot_env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        print_runs.issue_and_print(
            s, ballot_env.ctx, election, 6, print_runs.PrintJob(csv=out), created=created
        )
    with out.open(newline="") as fh:
        printed = list(csv.DictReader(fh))
    for number in ("NW-101", "NW-103", "Y-201"):
        give(ballot_env, number)
    give(ballot_env, "NW-101", reissue=True, reason="lost")
    key = ballot_env.ctx.keys.token_key(SLUG)
    secrets: list[str | bytes] = []
    for row in printed:
        token = parse(row["token"])
        hashed = token_hash(token, key)
        secrets += [
            token.digits,
            token.grouped,
            token.digits[:10],
            hashed,
            hashed.hex(),
            row["serial"],
        ]
    with ballot_env.engine.connect() as conn:
        for table in ("member", "card_issue", "card_run"):
            rows = conn.exec_driver_sql(f"SELECT * FROM {table}").all()  # noqa: S608
            assert rows, f"{table} is empty: the check would prove nothing"
            for record in rows:
                for value in record:
                    cell = bytes(value) if isinstance(value, memoryview) else value
                    for secret in secrets:
                        if isinstance(cell, bytes):
                            assert secret not in (cell, cell.hex()), f"{table} holds {secret!r}"
                        elif isinstance(cell, str):
                            assert str(secret) not in cell, f"{table} holds {secret!r}"
                        else:
                            assert cell != secret
        people = [
            str(v) for r in conn.exec_driver_sql("SELECT * FROM member").all() for v in r[2:] if v
        ]
        tokens = conn.exec_driver_sql("SELECT * FROM ballot_token").all()
    assert len(tokens) == 6
    for record in tokens:
        for value in record:
            assert not any(person in str(value) for person in people if len(person) > 2)
    assert {c.name for c in inspect(BallotToken).columns} == {"token_hash", "election_id", "state"}
    foreign = {
        fk.column.table.name
        for table in ("member", "card_issue", "card_run")
        for fk in BallotToken.metadata.tables[table].foreign_keys
    }
    assert "ballot_token" not in foreign and "ballot" not in foreign
