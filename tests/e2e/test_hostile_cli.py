"""Hostile input through the real ``ballotbox`` program: one clear line, exit 2, nothing stored.

Each of these used to end in "unexpected X" (exit 70) or, worse, pass: a
deeply nested TOML (RecursionError), a 10,000-candidate TOML (35 s to
refuse), a NUL in a candidate's name (PostgreSQL's DataError), a CSV field
over 131,072 characters (csv.Error), and register fields that spreadsheets
run as formulas, copied unchanged into the officer's CSV exports.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from sqlmodel import select

from ballotbox.core.errors import InputError
from ballotbox.definition import parse_definition
from ballotbox.services.postal import batches
from ballotbox.storage import repository
from ballotbox.storage.models import Election
from ballotbox.storage.models_members import RegisteredMember
from ballotbox.storage.textguard import UnstorableTextError
from tests.fixtures.cli import one_error_line, run, settings_env
from tests.fixtures.elections import BallotEnv

HEAD = """slug = "hostile-2027"
title = "Hostile inputs"
method = "scottish-stv"
seats = 2
opens = 2027-01-10T09:00:00Z
closes = 2027-01-31T17:00:00Z
"""
FORMULA = "=cmd|' /C calc'!A0"
LONG = "x" * 140_000


def _candidates(names: list[str]) -> str:
    return "".join(
        f'[[candidates]]\nnumber = {i}\nname = "{name}"\n' for i, name in enumerate(names, start=1)
    )


def _elections(env: BallotEnv) -> list[str]:
    with env.read() as s:
        return [e.slug for e in s.exec(select(Election)).all()]


def _members(env: BallotEnv) -> list[tuple[str, str]]:
    with env.read() as s:
        return [(m.number, m.name) for m in s.exec(select(RegisteredMember)).all()]


def test_hostile_definitions_are_refused_in_one_line(
    ballot_env: BallotEnv, database_url: str, tmp_path: Path
) -> None:
    env = ballot_env
    cli = settings_env(database_url, env.settings.key_dir)
    cases = {
        "deep.toml": ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        "nul.toml": (HEAD + _candidates(["Ann\\u0000", "Bob", "Cy"]), "U+0000"),
        "bell.toml": (HEAD + _candidates(["Ann", "Bob\\u0007", "Cy"]), "candidates[1].name"),
        "huge.toml": (HEAD + _candidates([f"C{i}" for i in range(10_000)]), "at most 999"),
    }
    env.engine.dispose()
    for name, (text, words) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        done = run("ballotbox", "election", "create", str(tmp_path / name), env=cli)
        one_error_line(done, 2, words)
    assert _elections(env) == []
    assert not (env.settings.key_dir / "hostile-2027").exists()  # no keys made either


def test_a_huge_definition_is_refused_in_well_under_a_second() -> None:
    text = HEAD + _candidates([f"C{i}" for i in range(10_000)])
    started = time.perf_counter()
    with pytest.raises(InputError):
        parse_definition(text)
    many_bad = HEAD + "".join(  # 999 candidates, each with a problem: every one costs a lookup
        f'[[candidates]]\nnumber = {i}\nname = "C{i}"\nurl = "x"\n' for i in range(1, 1000)
    )
    with pytest.raises(InputError) as error:
        parse_definition(many_bad)
    assert time.perf_counter() - started < 2.0
    assert error.value.problems[-1] == "… and 949 more problem(s)"  # type: ignore[attr-defined]


def test_hostile_registers_and_lists_are_refused_or_left_out(
    ballot_env: BallotEnv, database_url: str, tmp_path: Path
) -> None:
    env = ballot_env
    slug, _ = env.make_election("hostile-2027", tokens=3, open_=False)
    cli = settings_env(database_url, env.settings.key_dir)
    env.engine.dispose()
    long_register = tmp_path / "long.csv"
    long_register.write_text(f"number,name\n1,Ann\n2,{LONG}\n", encoding="utf-8")
    done = run(
        "ballotbox", "members", "import", slug, "--org", "North", str(long_register), env=cli
    )
    one_error_line(done, 2, "long.csv, line 3", "131,072 characters")
    done = run(
        "ballotbox", "members", "import", slug, "--org", "No\x01rth", str(long_register), env=cli
    )
    one_error_line(done, 2, "U+0001")
    assert _members(env) == []

    register = tmp_path / "register.csv"
    register.write_text(f'number,name\n1,"{FORMULA}"\n2,"Bob\x00"\n3,Cy\n', encoding="utf-8")
    done = run("ballotbox", "members", "import", slug, "--org", "North", str(register), env=cli)
    assert done.returncode == 0, done.stderr
    assert "line 3: left out, a field holds the invisible control character U+0000" in done.stdout
    assert sorted(_members(env)) == [("1", FORMULA), ("3", "Cy")]

    issued = tmp_path / "issued.csv"
    issued.write_text(f"number,how,by\n1,meeting,{LONG}\n", encoding="utf-8")
    done = run(
        "ballotbox", "members", "issued", slug, "--from", str(issued), "--how", "meeting",
        "--by", "J. Teller", env=cli,
    )  # fmt: skip
    one_error_line(done, 2, "131,072")
    spoiled = tmp_path / "spoiled.csv"
    spoiled.write_text(f"token,note\n{LONG},x\n", encoding="utf-8")
    one_error_line(
        run("ballotbox", "tokens", "void", slug, "--from", str(spoiled), env=cli), 2, "131,072"
    )


def test_officer_csv_exports_defuse_formulas(
    ballot_env: BallotEnv, database_url: str, tmp_path: Path
) -> None:
    env = ballot_env
    slug, _ = env.make_election("hostile-2027", tokens=3, open_=False)
    cli = settings_env(database_url, env.settings.key_dir)
    env.engine.dispose()
    register = tmp_path / "register.csv"
    register.write_text(
        f'number,name,email\n1,"{FORMULA}",a@example.org\n2,"{FORMULA}",a@example.org\n'
        "3,-12,c@example.org\n",
        encoding="utf-8",
    )
    assert (
        run(
            "ballotbox", "members", "import", slug, "--org", "@North", str(register), env=cli
        ).returncode
        == 0
    )
    report = run(
        "ballotbox", "members", "report", slug, "--without-card-csv", str(tmp_path / "w.csv"),
        env=cli,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    dupes = run(
        "ballotbox", "members", "duplicates", slug, "--csv", str(tmp_path / "d.csv"), env=cli
    )
    assert dupes.returncode == 0, dupes.stderr
    with env.session() as s:  # a teller's batch label is typed text as well
        batches.open_batch(
            s, env.ctx, None, repository.election_by_slug(s, slug), '=HYPERLINK("x")', 2
        )
    env.engine.dispose()
    recon = run("ballotbox", "postal", "reconcile", slug, "--csv", str(tmp_path / "r.csv"), env=cli)
    assert recon.returncode == 0, recon.stderr

    cells = [
        cell
        for name in ("w.csv", "d.csv", "r.csv")
        for row in csv.reader((tmp_path / name).open(encoding="utf-8"))
        for cell in row
    ]
    assert f"'{FORMULA}" in cells and "'@North" in cells and '\'=HYPERLINK("x")' in cells
    assert "-12" in cells  # a plain number is left alone
    risky = [c for c in cells if c[:1] in {"=", "+", "@", "\t", "\r"}]
    assert risky == []


def test_text_no_database_can_store_is_refused_before_the_flush(ballot_env: BallotEnv) -> None:
    slug, _ = ballot_env.make_election("hostile-2027", tokens=3, open_=False)
    with pytest.raises(UnstorableTextError) as error, ballot_env.session() as s:
        batches.open_batch(
            s, ballot_env.ctx, None, repository.election_by_slug(s, slug), "bag\x002", 2
        )
    assert "NUL" in error.value.message and "label" in error.value.message
