"""The bulk path and the seeded-error batch: every planted typo is caught, nothing wrong is cast."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest
from sqlmodel import select

from ballotbox.core.errors import FileFormatError
from ballotbox.core.tokens.format import is_valid_checksum
from ballotbox.services.postal import bulk, keying, reconcile
from ballotbox.services.postal.matching import Keyed
from ballotbox.storage import repository
from ballotbox.storage.models import Ballot
from ballotbox.storage.models_postal import PostalLetter
from tests.fixtures.cli import run_cli as cli
from tests.fixtures.elections import BallotEnv
from tests.unit.postal.support import add_tellers, batch_of, open_batch, postal_dump, teller_named

CANDIDATES = 4
HEADER = ["letter", "teller", "token", "spoilt", *[str(n) for n in range(1, CANDIDATES + 1)]]


def row(
    letter: int, teller: str, token: str = "", ranking: tuple[int, ...] = (), spoilt: str = ""
) -> list[str]:
    marks = {number: str(rank) for rank, number in enumerate(ranking, start=1)}
    return [
        str(letter),
        teller,
        token,
        spoilt,
        *[marks.get(n, "") for n in range(1, CANDIDATES + 1)],
    ]


def as_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


def checksum_passing_typo(digits: str, rng: random.Random) -> str:
    """Two wrong digits that the check digits cannot catch (only double entry can)."""
    while True:
        i, j = sorted(rng.sample(range(18), 2))
        for a in range(10):
            for b in range(10):
                changed = list(digits)
                changed[i], changed[j] = str(a), str(b)
                candidate = "".join(changed)
                if candidate != digits and is_valid_checksum(candidate):
                    return candidate


def test_seeded_error_batch_every_disagreement_is_adjudicated_and_nothing_wrong_is_cast(
    ballot_env: BallotEnv,
) -> None:
    letters = 200
    _slug, tokens = ballot_env.make_election(tokens=letters)
    add_tellers(ballot_env, ann="teller", bob="teller", sue="supervisor")
    batch_id = open_batch(ballot_env, "test-2027", letters)
    rng = random.Random(2027)
    truth: dict[int, Keyed] = {}
    first, second = [], []
    planted: dict[int, str] = {}
    kinds = [
        "token_swap",
        "token_double_typo",
        "ranks_swapped",
        "rank_dropped",
        "rank_added",
        "spoilt_vs_vote",
        "vote_vs_spoilt",
        "other_spoilt_reason",
    ]
    seeded = rng.sample(range(1, letters + 1), 40)
    for index, number in enumerate(seeded):
        planted[number] = kinds[index % len(kinds)]
    for number in range(1, letters + 1):
        token = tokens[number - 1]
        ranking = tuple(rng.sample(range(1, CANDIDATES + 1), rng.randint(1, CANDIDATES)))
        spoilt = "unreadable" if number % 25 == 0 else ""
        truth[number] = (
            Keyed(spoilt=spoilt) if spoilt else Keyed(token=token.digits, choices=ranking)
        )
        shown = token.grouped if number % 2 else token.digits  # spacing differs: still agrees
        first.append(row(number, "ann", shown, () if spoilt else ranking, spoilt))
        kind = planted.get(number)
        b = row(number, "bob", token.digits, () if spoilt else ranking, spoilt)
        if kind == "token_swap":
            b = row(number, "bob", tokens[number % letters].digits, ranking)
            truth[number] = Keyed(token=token.digits, choices=ranking)
            first[-1] = row(number, "ann", shown, ranking)
        elif kind == "token_double_typo":
            b = row(number, "bob", checksum_passing_typo(token.digits, rng), ranking)
            truth[number] = Keyed(token=token.digits, choices=ranking)
            first[-1] = row(number, "ann", shown, ranking)
        elif kind == "ranks_swapped":
            full = (
                ranking
                if len(ranking) > 1
                else (ranking[0], next(n for n in range(1, 5) if n != ranking[0]))
            )
            truth[number] = Keyed(token=token.digits, choices=full)
            first[-1] = row(number, "ann", shown, full)
            b = row(number, "bob", token.digits, (full[1], full[0], *full[2:]))
        elif kind == "rank_dropped":
            full = (
                ranking
                if len(ranking) > 1
                else (ranking[0], next(n for n in range(1, 5) if n != ranking[0]))
            )
            truth[number] = Keyed(token=token.digits, choices=full)
            first[-1] = row(number, "ann", shown, full)
            b = row(number, "bob", token.digits, full[:-1])
        elif kind == "rank_added":
            short = ranking[:3]
            truth[number] = Keyed(token=token.digits, choices=short)
            first[-1] = row(number, "ann", shown, short)
            extra = next(n for n in range(1, 5) if n not in short)
            b = row(number, "bob", token.digits, (*short, extra))
        elif kind == "spoilt_vs_vote":
            truth[number] = Keyed(token=token.digits, choices=ranking)
            first[-1] = row(number, "ann", shown, ranking)
            b = row(number, "bob", "", (), "ambiguous")
        elif kind == "vote_vs_spoilt":
            truth[number] = Keyed(spoilt="ambiguous")
            first[-1] = row(number, "ann", "", (), "ambiguous")
            b = row(number, "bob", token.digits, ranking)
        elif kind == "other_spoilt_reason":
            truth[number] = Keyed(spoilt="unreadable")
            first[-1] = row(number, "ann", "", (), "unreadable")
            b = row(number, "bob", "", (), "no_token")
        second.append(b)
    rng.shuffle(second)  # an offline session need not key in order

    with ballot_env.session() as s:
        election = repository.election_by_slug(s, "test-2027")
        outcome = bulk.import_entries(
            s,
            ballot_env.ctx,
            election,
            batch_of(s, batch_id),
            ("ann.csv", as_csv(first)),
            ("bob.csv", as_csv(second)),
        )
    assert outcome["disputed"] == len(planted) == 40
    with ballot_env.read() as s:
        disputed = {
            letter.number
            for letter in s.exec(select(PostalLetter).where(PostalLetter.disputed)).all()
        }
        cast_now = {b.token: tuple(json.loads(b.choices)) for b in s.exec(select(Ballot)).all()}
    assert disputed == set(planted), "100% of planted disagreements reach adjudication"
    # Nothing from a disputed letter was cast, and every cast ballot is exactly the truth.
    expected = {k.token: k.choices for n, k in truth.items() if n not in planted and not k.spoilt}
    assert cast_now == expected

    with ballot_env.session() as s:
        sue = teller_named(s, "sue")
        for number in sorted(planted):
            keying.adjudicate(s, ballot_env.ctx, sue, batch_of(s, batch_id), number, truth[number])
    with ballot_env.read() as s:
        final = {b.token: tuple(json.loads(b.choices)) for b in s.exec(select(Ballot)).all()}
        report = reconcile.reconcile(s, repository.election_by_slug(s, "test-2027"))
        dump = postal_dump(s)
    assert final == {k.token: k.choices for k in truth.values() if not k.spoilt}
    line = report.lines[0]
    assert line.pending == 0 and line.received == letters and report.balanced
    assert line.accepted + line.count("spoilt") + line.count("rejected") == letters
    assert not any(t.digits in dump for t in tokens)


def test_broken_csv_files_name_the_line_and_the_reason(ballot_env: BallotEnv) -> None:
    _slug, tokens = ballot_env.make_election(tokens=3)
    add_tellers(ballot_env, ann="teller", bob="teller", sid="scrutineer")
    batch_id = open_batch(ballot_env, "test-2027", 3)
    good = tokens[0].digits
    typo = good[:3] + str((int(good[3]) + 1) % 10) + good[4:]
    cases = [
        (as_csv([row(1, "ann", good, (1,)), row(2, "ann", typo, (2,))]), 3, "check the digits"),
        (
            as_csv([row(1, "ann", good, (1,)), row(9, "ann", good, (1,))]),
            3,
            "not a number from 1 to 3",
        ),
        (as_csv([row(1, "ann", good, (1,)), row(1, "ann", good, (1,))]), 3, "letter 1 again"),
        (
            as_csv([row(1, "ann", good, (1,)), row(2, "bob", good, (1,))]),
            3,
            "one file is one teller",
        ),
        (as_csv([["1", "ann", good, "", "1", "1", "", ""]]), 2, "Two candidates are marked 1"),
        ("letter,teller,token,spoilt,1,2,3,4,9\n", 1, "unknown column"),
        ("letter,teller\n1,ann\n", 1, "no “token” column"),
        (as_csv([row(1, "sid", good, (1,))]), None, "may not key"),
    ]
    for text, line, reason in cases:
        with ballot_env.session() as s, pytest.raises(FileFormatError) as caught:
            election = repository.election_by_slug(s, "test-2027")
            bulk.import_entries(
                s,
                ballot_env.ctx,
                election,
                batch_of(s, batch_id),
                ("first.csv", text),
                ("second.csv", as_csv([row(1, "bob", good, (1,))])),
            )
        assert caught.value.line == line and reason in caught.value.message, caught.value.message
        assert caught.value.source == "first.csv"
    with ballot_env.read() as s:
        assert s.exec(select(Ballot)).all() == []


def test_the_command_line_from_accounts_to_reconciliation(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=4)
    for name, role in (("ann", "teller"), ("bob", "teller"), ("ro", "returning-officer")):
        done = cli(
            ballot_env,
            "tellers",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
            stdin="a long enough password\n",
        )
        assert done.returncode == 0, done.stderr
    assert (
        "already an account"
        in cli(
            ballot_env,
            "tellers",
            "add",
            "ann",
            "--password-stdin",
            stdin="a long enough password\n",
        ).stderr
    )
    opened = cli(
        ballot_env, "postal", "batch", "open", "test-2027", "post of 3 Dec, bag 2", "--letters", "3"
    )
    assert opened.returncode == 0 and "Opened batch 1" in opened.stdout, opened.stderr
    (tmp_path / "a.csv").write_text(
        as_csv([row(1, "ann", tokens[0].grouped, (2, 1)), row(2, "ann", tokens[1].digits, (1,))])
    )
    (tmp_path / "b.csv").write_text(
        as_csv([row(1, "bob", tokens[0].digits, (2, 1)), row(2, "bob", tokens[1].digits, (3,))])
    )
    (tmp_path / "broken.csv").write_text("letter,teller,token,spoilt,1,2,3,4\nx,bob,,,,,,\n")
    broken = cli(
        ballot_env,
        "postal",
        "import",
        "test-2027",
        "1",
        str(tmp_path / "a.csv"),
        str(tmp_path / "broken.csv"),
    )
    assert broken.returncode == 2
    assert broken.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'broken.csv'}, line 2: letter “x” is not a number from 1 to 3"
    ]
    imported = cli(
        ballot_env,
        "postal",
        "import",
        "test-2027",
        "1",
        str(tmp_path / "a.csv"),
        str(tmp_path / "b.csv"),
    )
    assert imported.returncode == 0, imported.stderr
    assert "1 accepted" in imported.stdout and "1 disputed" in imported.stdout
    report = cli(ballot_env, "postal", "reconcile", "test-2027", "--csv", str(tmp_path / "r.csv"))
    assert report.returncode == 0, report.stderr
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    assert [
        (r["batch"], r["received"], r["accepted"], r["pending"], r["balanced"]) for r in rows
    ] == [("1", "3", "1", "2", "yes"), ("total", "3", "1", "2", "yes")]
    for command in (
        ["tellers", "add"],
        ["tellers", "list"],
        ["postal", "batch", "open"],
        ["postal", "import"],
        ["postal", "reconcile"],
        ["tally"],
    ):
        assert "Example: ballotbox" in cli(ballot_env, *command, "--help").stdout.replace("\n", " ")


def test_ballotbox_tally_passes_the_officers_reason_to_the_tally_service(
    ballot_env: BallotEnv,
) -> None:
    from ballotbox.services import elections

    slug, _tokens = ballot_env.make_election(tokens=2)
    open_batch(ballot_env, slug, 1)  # one letter in hand, never keyed
    with ballot_env.session() as s:
        elections.close_now(s, ballot_env.ctx, repository.election_by_slug(s, slug))
    refused = cli(ballot_env, "tally", slug)
    assert refused.returncode != 0 and "1 postal letter(s) still pending" in refused.stderr
    counted = cli(ballot_env, "tally", slug, "--override-pending", "the bag went missing")
    assert counted.returncode == 0, counted.stderr
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, slug)
        assert election.id is not None
        kinds = [e.kind for e in repository.log_entries(s, election.id)]
        override = repository.last_event(s, election.id, "override")
    assert kinds[-2:] == ["override", "counted"]
    assert override is not None and override["reason"] == "the bag went missing"


def test_ballotbox_election_close_commits_the_letters_in_hand(ballot_env: BallotEnv) -> None:
    slug, _tokens = ballot_env.make_election(tokens=2)
    open_batch(ballot_env, slug, 3)
    closed = cli(ballot_env, "election", "close", slug)
    assert closed.returncode == 0, closed.stderr
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, slug)
        assert election.id is not None
        entry = repository.last_event(s, election.id, "closed")
    assert entry is not None and entry["late"] == 3
