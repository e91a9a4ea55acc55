"""Card formats and languages on SQLite and PostgreSQL, as an officer uses them by command line.

A register says who needs a large-print card or a ballot paper (and in which
language); ``tokens issue --by-format`` prints one run per format, as many
fresh random tokens as members of it without a card; ``members labels
--by-format`` writes the labels in the same groups; ``members report`` warns
about a small group (a small anonymity set).  Nothing links a member to a token:
the labels hold no token.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from sqlmodel import select

from ballotbox.core.errors import RegisterFrozenError, UnknownCardFormatError
from ballotbox.services import elections
from ballotbox.services import members as registers
from ballotbox.services.actions import action_log
from ballotbox.storage import repository
from ballotbox.storage.models import BallotToken
from ballotbox.storage.models_members import RegisteredMember
from tests.fixtures.cli import run_cli
from tests.fixtures.elections import CLOSES, BallotEnv

SLUG = "test-2027"
POSTAL = {"BALLOTBOX_POSTAL_ADDRESS": "Returning Officer, FREEPOST RTKE-ABCD, Manchester M1 1AA"}
GROUPED = re.compile(r"\b\d{4} \d{4} \d{4} \d{4} \d{4}\b")
REGISTER = (
    "Membership No,Name,Address,Post code,Card format,Language\n"
    "S1,Ann Smith,1 High St,M1 1AA,,en\n"
    "S2,Bob Jones,2 High St,M1 1AB,Standard,\n"
    "S3,Cai Evans,3 High St,M1 1AC,purple,Welsh\n"
    "L1,Dora Large,4 Low Rd,M2 2AA,Large print,cy\n"
    "L2,Eli Big,5 Low Rd,M2 2AB,large,klingon\n"
    "P1,Fay Post,6 Mill Ln,M3 3AA,ballot paper,en\n"
)


def pdf_text(pdf: Path) -> str:
    """Every page's text, as pdftotext reads it."""
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def imported(env: BallotEnv, tmp_path: Path, tokens: int = 0) -> subprocess.CompletedProcess[str]:
    """A ballot (with no tokens unless asked), and REGISTER imported through the CLI."""
    env.make_election(SLUG, tokens=tokens, open_=False)
    path = tmp_path / "register.csv"
    path.write_text(REGISTER)
    done = run_cli(env, "members", "import", SLUG, str(path), "--org", "Union")
    assert done.returncode == 0, done.stderr
    return done


def stored(env: BallotEnv) -> dict[str, tuple[str, str, int]]:
    with env.read() as s:
        rows = s.exec(select(RegisteredMember)).all()
        return {m.number: (m.card_format, m.language, m.id or 0) for m in rows}


def test_import_stores_formats_and_languages_and_warns_about_bad_ones(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    done = imported(ballot_env, tmp_path)
    assert "unknown card format “purple”" in done.stdout
    assert "unknown language “klingon”" in done.stdout
    found = {n: (f, lang) for n, (f, lang, _id) in stored(ballot_env).items()}
    assert found == {
        "S1": ("standard", "en"),
        "S2": ("standard", ""),
        "S3": ("standard", "cy"),
        "L1": ("large-print", "cy"),
        "L2": ("large-print", ""),
        "P1": ("ballot-paper", "en"),
    }


def test_a_split_run_prints_each_format_in_its_layout_and_labels_split_the_same_way(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    imported(ballot_env, tmp_path)
    cards = tmp_path / "cards.pdf"
    issue = ("tokens", "issue", SLUG, "--by-format", "--pdf", str(cards))
    no_address = run_cli(ballot_env, *issue)  # the ballot paper needs a return address
    assert no_address.returncode != 0 and "BALLOTBOX_POSTAL_ADDRESS" in no_address.stderr
    assert not list(tmp_path.glob("cards*.pdf"))  # the standard run before it was undone
    with ballot_env.read() as s:
        assert s.exec(select(BallotToken)).all() == []
    done = run_cli(ballot_env, *issue, extra_env=POSTAL)
    assert done.returncode == 0, done.stderr
    assert "standard: 3 card(s) in the business layout" in done.stdout
    assert "large-print: 2 card(s) in the a4 layout" in done.stdout
    assert "ballot-paper: 1 card(s) in the ballot-paper layout" in done.stdout
    with ballot_env.read() as s:
        assert len(s.exec(select(BallotToken)).all()) == 6
    tokens = {}
    for fmt in ("standard", "large-print", "ballot-paper"):
        tokens[fmt] = set(GROUPED.findall(pdf_text(tmp_path / f"cards-{fmt}.pdf")))
    assert [len(tokens[f]) for f in ("standard", "large-print", "ballot-paper")] == [3, 2, 1]
    assert not (tmp_path / "cards-ballot-paper-large.pdf").exists()

    labels = tmp_path / "labels.pdf"
    done = run_cli(ballot_env, "members", "labels", SLUG, "--out", str(labels), "--by-format")
    assert done.returncode == 0, done.stderr
    large = pdf_text(tmp_path / "labels-large-print.pdf")
    standard = pdf_text(tmp_path / "labels-standard.pdf")
    paper = pdf_text(tmp_path / "labels-ballot-paper.pdf")
    assert "Dora Large" in large and "Eli Big" in large and "Ann Smith" not in large
    assert all(n in standard for n in ("Ann Smith", "Bob Jones", "Cai Evans"))
    assert "Dora Large" not in standard and "Fay Post" in paper and "Eli Big" not in paper
    every = {t for group in tokens.values() for t in group}
    assert not every & set(GROUPED.findall(large + standard + paper))
    again = run_cli(ballot_env, *issue, extra_env=POSTAL)
    assert again.returncode != 0 and "already exists" in again.stderr
    with ballot_env.read() as s:
        assert len(s.exec(select(BallotToken)).all()) == 6  # the refused run issued nothing


def test_by_format_refuses_a_count_or_a_layout(ballot_env: BallotEnv, tmp_path: Path) -> None:
    ballot_env.make_election(SLUG, tokens=0, open_=False)
    cards = str(tmp_path / "cards.pdf")
    empty = run_cli(ballot_env, "tokens", "issue", SLUG, "--by-format", "--pdf", cards)
    assert empty.returncode != 0 and "nothing to issue" in empty.stderr, empty.stderr
    path = tmp_path / "register.csv"
    path.write_text(REGISTER)
    assert run_cli(ballot_env, "members", "import", SLUG, str(path), "--org", "U").returncode == 0
    for extra in (("-n", "3"), ("--layout", "a4"), ("--reserve",)):
        done = run_cli(ballot_env, "tokens", "issue", SLUG, "--by-format", "--pdf", cards, *extra)
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
        assert "--by-format" in done.stderr
    assert not list(tmp_path.glob("cards*.pdf"))


def test_report_warns_about_each_small_format_group(ballot_env: BallotEnv, tmp_path: Path) -> None:
    imported(ballot_env, tmp_path)
    done = run_cli(ballot_env, "members", "report", SLUG)
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())
    assert "only 2 member(s) have the large-print card (fewer than 10)" in out
    assert "only 1 member(s) have the ballot-paper card" in out
    assert "only 3 member(s) have the standard card" in out
    assert "ballot-paper-large card" not in out
    two = run_cli(
        ballot_env, "members", "report", SLUG, extra_env={"BALLOTBOX_MIN_FORMAT_GROUP": "2"}
    )
    out = " ".join(two.stdout.split())
    assert "ballot-paper card (fewer than 2)" in out and "large-print card (fewer" not in out
    assert "standard card (fewer" not in out


def test_set_changes_format_and_language_with_a_logged_reason_until_the_close(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    imported(ballot_env, tmp_path, tokens=2)
    s1 = str(stored(ballot_env)["S1"][2])
    no_reason = run_cli(ballot_env, "members", "set", SLUG, s1, "--format", "large")
    assert no_reason.returncode != 0 and "needs a reason" in no_reason.stderr
    bad = run_cli(ballot_env, "members", "set", SLUG, s1, "--format", "braille", "--reason", "x")
    assert bad.returncode != 0 and "“braille” is not a card format" in bad.stderr
    bad = run_cli(ballot_env, "members", "set", SLUG, s1, "--language", "xx", "--reason", "x")
    assert bad.returncode != 0 and "“xx” is not a language" in bad.stderr
    assert stored(ballot_env)["S1"][:2] == ("standard", "en")
    args = ("--format", "ballot paper large", "--language", "Cymraeg", "--reason", "rang us")
    done = run_cli(ballot_env, "members", "set", SLUG, s1, *args)
    assert done.returncode == 0, done.stderr
    assert stored(ballot_env)["S1"][:2] == ("ballot-paper-large", "cy")
    with ballot_env.read() as s:
        [logged] = action_log(s, SLUG, "member_changed")
    assert "format standard -> ballot-paper-large" in logged.detail
    assert logged.detail.endswith(": rang us")
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        with pytest.raises(UnknownCardFormatError):
            registers.set_member(
                s, ballot_env.ctx, election, int(s1), card_format_text="?", reason="r", actor="a"
            )
    ballot_env.clock.set(CLOSES - (CLOSES - ballot_env.clock.now()) / 2)
    with ballot_env.session() as s:
        elections.open_now(s, ballot_env.ctx, repository.election_by_slug(s, SLUG))
    ballot_env.clock.set(CLOSES)
    with ballot_env.session() as s:
        elections.close_now(s, ballot_env.ctx, repository.election_by_slug(s, SLUG))
    with ballot_env.session() as s, pytest.raises(RegisterFrozenError):
        election = repository.election_by_slug(s, SLUG)
        registers.set_member(
            s, ballot_env.ctx, election, int(s1), language_text="en", reason="r", actor="a"
        )
