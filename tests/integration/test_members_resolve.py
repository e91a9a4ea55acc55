"""Registers as an officer meets them, on SQLite and PostgreSQL: encodings, previews,
re-imports that remove members, merging and removing duplicates with a logged reason.

The rules under test: a file in an unknown encoding is refused and nothing is
stored; a preview stores nothing; nobody who was given a card is ever
removed; every removal and merge is in the officer action log, which holds no
token.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlmodel import select

from ballotbox.core.errors import (
    InputError,
    MemberHasCardError,
    ReasonRequiredError,
    RegisterFrozenError,
)
from ballotbox.core.members.registers import read_register
from ballotbox.services import elections
from ballotbox.services import issuance_register as registry
from ballotbox.services import members as registers
from ballotbox.services.actions import action_log
from ballotbox.storage import repository
from ballotbox.storage.models_actions import OfficerAction
from ballotbox.storage.models_members import RegisteredMember
from tests.fixtures.cli import run_cli
from tests.fixtures.elections import CLOSES, BallotEnv

SLUG = "test-2027"
# Excel's "Unicode Text": UTF-16 with a byte-order mark, TAB-separated.
NORTH = (
    "Membership No\tFull Name\tEmail\tMobile\tBranch\n"
    "NW-1\tJosé Müller\tjose@example.org\t07700 900123\tNorth\n"
    "NW-2\tAnn Lee\tann@bad\t\tNorth\n"
    "\tNo Number\t\t\tNorth\n"
    "NW-3\tDr Jose Muller\tjose@example.org\tcall me\tNorth\n"
)


def members(env: BallotEnv) -> list[tuple[str, str, str]]:
    with env.read() as s:
        rows = s.exec(select(RegisteredMember)).all()
        return sorted((m.org, m.number, m.name) for m in rows)


def ids(env: BallotEnv) -> dict[str, int]:
    with env.read() as s:
        return {m.number: m.id or 0 for m in s.exec(select(RegisteredMember)).all()}


def give_card(env: BallotEnv, number: str) -> None:
    with env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        member = registry.find_member(s, election, number)
        handout = registry.Handout(how="post", by="J. Teller", on=date(2027, 1, 4))
        registry.record_issue(s, env.ctx, election, member, handout)


def test_a_utf16_register_is_previewed_then_imported_with_its_encoding_reported(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    ballot_env.make_election(SLUG, tokens=0, open_=False)
    path = tmp_path / "north.txt"
    path.write_bytes(NORTH.encode("utf-16"))
    args = ("members", "import", SLUG, str(path), "--org", "North West")
    preview = run_cli(ballot_env, *args, "--dry-run")
    assert preview.returncode == 0, preview.stderr
    out = preview.stdout
    assert "Read as UTF-16 little-endian (Excel Unicode Text)" in out
    assert "Columns not imported: Branch" in out
    assert "3 would be added" in out and "1 row(s) left out, 2 warning(s)" in out
    assert "line 4: left out, missing membership number" in out
    assert "line 3: kept, but malformed email address “ann@bad”" in out
    assert "line 5: kept, but malformed phone number “call me”" in out
    assert "Dry run: nothing was stored." in out
    assert members(ballot_env) == []  # the preview stored nothing
    done = run_cli(ballot_env, *args)
    assert done.returncode == 0, done.stderr
    assert "North West: 3 added" in done.stdout
    assert members(ballot_env) == [
        ("North West", "NW-1", "José Müller"),  # not mojibake: decoded as UTF-16
        ("North West", "NW-2", "Ann Lee"),  # a bad email is a warning, not a dropped member
        ("North West", "NW-3", "Dr Jose Muller"),
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("Membership No,Name\n1,Ann\n".encode("utf-16-le"), "UTF-16 text without a byte-order"),
        (b"Membership No,Name\n1,Ann\n2,B\x81ob\n", "line 3: not UTF-8 or Windows-1252 text"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00", "this is an Excel workbook"),
    ],
    ids=["utf-16-without-bom", "undecodable-byte", "xlsx"],
)
def test_an_undecodable_register_is_refused_with_the_reason_and_nothing_stored(
    ballot_env: BallotEnv, tmp_path: Path, data: bytes, reason: str
) -> None:
    ballot_env.make_election(SLUG, tokens=0, open_=False)
    path = tmp_path / "register.csv"
    path.write_bytes(data)
    done = run_cli(ballot_env, "members", "import", SLUG, str(path), "--org", "North West")
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()  # one clear line, never a traceback
    assert reason in line and "CSV UTF-8" in line
    assert members(ballot_env) == []


def test_reimporting_removes_the_missing_only_when_asked_and_never_one_with_a_card(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    ballot_env.make_election(SLUG, tokens=0, open_=False)
    first = tmp_path / "first.csv"
    first.write_text("Member No,Name\nA1,Ann\nA2,Bob\nA3,Cy\n", encoding="utf-8")
    corrected = tmp_path / "corrected.csv"
    corrected.write_text("Member No,Name\nA1,Ann\n", encoding="utf-8")
    base = ("members", "import", SLUG, "--org", "Branch")
    assert run_cli(ballot_env, *base[:3], str(first), *base[3:]).returncode == 0
    kept = run_cli(ballot_env, *base[:3], str(corrected), *base[3:])
    assert "2 member(s) already registered are not in this file; kept" in kept.stdout
    assert len(members(ballot_env)) == 3
    give_card(ballot_env, "A2")
    preview = run_cli(
        ballot_env, *base[:3], str(corrected), *base[3:], "--dry-run", "--remove-missing"
    )
    assert "would be removed with --remove-missing" in preview.stdout
    assert "Branch A2 was given a card, so cannot be removed" in preview.stdout
    refused = run_cli(ballot_env, *base[:3], str(corrected), *base[3:], "--remove-missing")
    assert refused.returncode == 1
    assert (
        "Branch member A2 was given a card (post, 2027-01-04); it cannot be removed, so nothing"
        in refused.stderr
    )
    assert len(members(ballot_env)) == 3  # nothing changed
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        read = read_register("Member No,Name\nA1,Ann\nA2,Bob\n", "Branch")
        report = registers.import_register(
            s, election, read, remove_missing=True, actor="cli:test", ctx=ballot_env.ctx
        )
    assert [m.number for m in report.removed] == ["A3"]
    assert [m[1] for m in members(ballot_env)] == ["A1", "A2"]
    with ballot_env.read() as s:
        [logged] = action_log(s, SLUG, "members_removed")
    assert logged.actor == "cli:test" and "A3" in logged.detail


def test_merge_keeps_one_record_moves_its_card_and_logs_the_reason(ballot_env: BallotEnv) -> None:
    ballot_env.make_election(SLUG, tokens=0, open_=False)
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        registers.import_register(
            s,
            election,
            read_register(
                "Member No,Name,Email,Postcode\nN1,Ann Lee,,M1 1AA\nN2,Ann Lee,ann@example.org,\n"
                "N3,Bob,,\nN4,Bob,,\n",
                "North",
            ),
        )
    give_card(ballot_env, "N2")
    numbers = ids(ballot_env)
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        with pytest.raises(ReasonRequiredError):
            registers.merge_members(
                s, ballot_env.ctx, election, numbers["N1"], numbers["N2"], reason=" ", actor="x"
            )
        with pytest.raises(InputError, match="two different members"):
            registers.merge_members(
                s, ballot_env.ctx, election, numbers["N1"], numbers["N1"], reason="x", actor="x"
            )
    merged = run_cli(
        ballot_env, "members", "merge", SLUG, str(numbers["N1"]), str(numbers["N2"]),
        "--reason", "same person, two records",
    )  # fmt: skip
    assert merged.returncode == 0, merged.stderr
    assert "Merged North N2" in merged.stdout
    with ballot_env.read() as s:
        kept = s.get(RegisteredMember, numbers["N1"])
        assert kept is not None and s.get(RegisteredMember, numbers["N2"]) is None
        assert (kept.email, kept.postcode) == ("ann@example.org", "M1 1AA")  # blanks filled
        assert len(repository.card_issues(s, numbers["N1"])) == 1  # the card moved with them
        [logged] = action_log(s, SLUG, "member_merged")
    assert logged.actor.startswith("cli") and "same person, two records" in logged.detail
    give_card(ballot_env, "N3")
    give_card(ballot_env, "N4")
    both = run_cli(
        ballot_env, "members", "merge", SLUG, str(numbers["N3"]), str(numbers["N4"]),
        "--reason", "dup",
    )  # fmt: skip
    assert both.returncode == 1 and "it cannot be merged away" in both.stderr
    assert len(members(ballot_env)) == 3


def test_remove_needs_a_reason_refuses_a_member_with_a_card_and_freezes_at_the_close(
    ballot_env: BallotEnv,
) -> None:
    ballot_env.make_election(SLUG, tokens=3, open_=False)
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        registers.import_register(
            s, election, read_register("Member No,Name\nR1,Ann\nR2,Bob\nR3,Cy\n", "Reg")
        )
    give_card(ballot_env, "R1")
    numbers = ids(ballot_env)
    no_reason = run_cli(ballot_env, "members", "remove", SLUG, str(numbers["R2"]))
    assert no_reason.returncode == 2 and "needs a reason" in no_reason.stderr
    unknown = run_cli(ballot_env, "members", "remove", SLUG, "999", "--reason", "x")
    assert unknown.returncode == 3 and "no member with id 999" in unknown.stderr
    with ballot_env.session() as s, pytest.raises(MemberHasCardError, match="stays valid"):
        election = repository.election_by_slug(s, SLUG)
        registers.remove_member(
            s, ballot_env.ctx, election, numbers["R1"], reason="left", actor="x"
        )
    done = run_cli(ballot_env, "members", "remove", SLUG, str(numbers["R2"]), "--reason", "left")
    assert done.returncode == 0, done.stderr
    assert [m[1] for m in members(ballot_env)] == ["R1", "R3"]
    ballot_env.clock.set(ballot_env.clock.now() + timedelta(days=6))
    with ballot_env.session() as s:
        elections.open_now(s, ballot_env.ctx, repository.election_by_slug(s, SLUG))
    ballot_env.clock.set(CLOSES + timedelta(minutes=1))
    with ballot_env.session() as s:
        elections.close_now(s, ballot_env.ctx, repository.election_by_slug(s, SLUG))
    with ballot_env.session() as s, pytest.raises(RegisterFrozenError):
        election = repository.election_by_slug(s, SLUG)
        registers.remove_member(
            s, ballot_env.ctx, election, numbers["R3"], reason="late", actor="x"
        )
    with ballot_env.read() as s:
        [logged] = action_log(s, SLUG, "member_removed")
    assert "Reg R2 (Bob)" in logged.detail and logged.detail.endswith(": left")


def test_the_action_log_has_no_place_for_a_token(ballot_env: BallotEnv) -> None:
    _slug, tokens = ballot_env.make_election(SLUG, tokens=2, open_=False)
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        registers.import_register(s, election, read_register("No,Name\n1,A\n2,B\n", "O"))
    run_cli(ballot_env, "members", "remove", SLUG, str(ids(ballot_env)["2"]), "--reason", "x")
    columns = {c["name"] for c in inspect(ballot_env.engine).get_columns("officer_action")}
    assert columns == {"id", "at", "actor", "action", "slug", "detail"}
    with ballot_env.read() as s:
        text = " ".join(a.detail for a in s.exec(select(OfficerAction)).all())
    assert text and not any(t.digits in text.replace(" ", "") for t in tokens)
