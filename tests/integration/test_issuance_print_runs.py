"""Card print runs on a real database: issue, record the run, write the cards — or nothing at all.

A refused run issues nothing; a run that fails half way leaves neither tokens
nor files behind; serials run on across runs of the same stock; every token in
the files is known to the database by its keyed hash, and only by that.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from ballotbox.core.errors import InputError, LifecycleError
from ballotbox.core.printing.layouts import UnknownLayoutError
from ballotbox.core.printing.outputs import OutputExistsError
from ballotbox.core.tokens.format import parse
from ballotbox.core.tokens.hashing import token_hash
from ballotbox.services import print_runs
from ballotbox.storage import repository
from ballotbox.storage.models import BallotToken
from ballotbox.storage.models_members import CardRun
from tests.fixtures.elections import BallotEnv

SLUG = "test-2027"


class DiskFull(Exception):
    """Stands in for an OSError half way through writing the cards."""


def run(
    env: BallotEnv, count: int, job: print_runs.PrintJob, **hooks: Any
) -> print_runs.PrintResult:
    """Issue and print the way the CLI does: files removed if the transaction fails."""
    with print_runs.removed_on_failure() as created, env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        return print_runs.issue_and_print(
            s, env.ctx, election, count, job, created=created, **hooks
        )


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def stored_hashes(env: BallotEnv) -> set[bytes]:
    with env.read() as s:
        return {bytes(row.token_hash) for row in s.exec(select(BallotToken)).all()}


def test_runs_number_serials_on_per_stock_and_store_only_hashes(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    ballot_env.make_election(SLUG, tokens=0, open_=False)
    first = run(ballot_env, 12, print_runs.PrintJob(csv=tmp_path / "a.csv"))
    second = run(ballot_env, 5, print_runs.PrintJob(csv=tmp_path / "b.csv", pdf=tmp_path / "b.pdf"))
    reserve = run(ballot_env, 3, print_runs.PrintJob(csv=tmp_path / "r.csv", reserve=True))
    assert (first.first_serial, first.last_serial) == ("000001", "000012")
    assert (second.first_serial, second.last_serial) == ("000013", "000017")
    assert (reserve.first_serial, reserve.last_serial) == ("R00001", "R00003")
    rows = (
        read_csv(tmp_path / "a.csv") + read_csv(tmp_path / "b.csv") + read_csv(tmp_path / "r.csv")
    )
    assert [r["serial"] for r in rows] == [f"{n:06d}" for n in range(1, 18)] + [
        "R00001",
        "R00002",
        "R00003",
    ]
    key = ballot_env.ctx.keys.token_key(SLUG)
    tokens = [parse(r["token"]) for r in rows]
    assert {token_hash(t, key) for t in tokens} == stored_hashes(ballot_env)
    assert all(r["url"] == f"http://testserver/v/{r['token']}" for r in rows)
    with ballot_env.read() as s:
        runs = s.exec(select(CardRun).order_by(CardRun.number)).all()  # type: ignore[arg-type]
    assert [(r.number, r.reserve, r.cards) for r in runs] == [
        (1, False, 12),
        (2, False, 5),
        (3, True, 3),
    ]
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF")


def test_a_split_run_writes_parts_and_a_manifest(ballot_env: BallotEnv, tmp_path: Path) -> None:
    ballot_env.make_election(SLUG, tokens=0, open_=False)
    result = run(ballot_env, 25, print_runs.PrintJob(pdf=tmp_path / "cards.pdf", split=10))
    assert [p.name for p in result.files] == [
        "cards-001.pdf",
        "cards-002.pdf",
        "cards-003.pdf",
        "cards.manifest.json",
    ]
    manifest = json.loads((tmp_path / "cards.manifest.json").read_text())
    assert [(f["cards"], f["first_serial"], f["last_serial"]) for f in manifest["files"]] == [
        (10, "000001", "000010"),
        (10, "000011", "000020"),
        (5, "000021", "000025"),
    ]


@pytest.mark.parametrize(
    ("job", "error"),
    [
        (print_runs.PrintJob(), InputError),
        (print_runs.PrintJob(csv=Path("x.csv"), split=10), InputError),
        (print_runs.PrintJob(pdf=Path("x.pdf"), layout="poster"), UnknownLayoutError),
        (print_runs.PrintJob(pdf=Path("no-such-folder/x.pdf")), InputError),
        (print_runs.PrintJob(pdf=Path("taken.pdf")), OutputExistsError),
        (print_runs.PrintJob(pdf=Path("fresh.pdf"), csv=Path("taken.pdf")), OutputExistsError),
        (print_runs.PrintJob(pdf=Path("cards.pdf"), split=5), OutputExistsError),  # stale part
    ],
)
def test_a_run_that_cannot_be_written_issues_nothing(
    ballot_env: BallotEnv, tmp_path: Path, job: print_runs.PrintJob, error: type[Exception]
) -> None:
    ballot_env.make_election(SLUG, tokens=0, open_=False)
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    (tmp_path / "taken.pdf").write_bytes(b"the last print run")
    (tmp_path / "cards-002.pdf").write_bytes(b"a part of another run")
    job = print_runs.PrintJob(
        pdf=tmp_path / job.pdf if job.pdf else None,
        csv=tmp_path / job.csv if job.csv else None,
        layout=job.layout,
        split=job.split,
    )
    with pytest.raises(error):
        run(ballot_env, 10, job)
    assert stored_hashes(ballot_env) == set()
    assert (tmp_path / "taken.pdf").read_bytes() == b"the last print run"
    assert (tmp_path / "cards-002.pdf").read_bytes() == b"a part of another run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cards-002.pdf", "taken.pdf"]


def test_a_run_that_fails_half_way_leaves_no_valid_token_and_no_file(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    ballot_env.make_election(SLUG, tokens=0, open_=False)
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()

    def disk_full(done: int) -> None:
        if done >= 10:
            raise DiskFull("no space left on device")

    job = print_runs.PrintJob(pdf=tmp_path / "cards.pdf", csv=tmp_path / "cards.csv", split=10)
    with pytest.raises(DiskFull):
        run(ballot_env, 35, job, on_printed=disk_full)
    assert stored_hashes(ballot_env) == set()
    assert list(tmp_path.iterdir()) == []
    with ballot_env.read() as s:
        assert s.exec(select(CardRun)).all() == []
        assert repository.token_counts(s, 1) == {}
    # The same names can be used again at once, and this time the run goes through.
    assert run(ballot_env, 35, job).cards == 35


def test_no_tokens_can_be_printed_once_voting_is_open(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    ballot_env.make_election(SLUG, tokens=2)
    with pytest.raises(LifecycleError):
        run(ballot_env, 5, print_runs.PrintJob(pdf=tmp_path / "late.pdf", reserve=True))
    assert not (tmp_path / "late.pdf").exists()


def test_the_card_text_comes_from_the_definition_and_settings(ballot_env: BallotEnv) -> None:
    ballot_env.make_election(
        SLUG, "plurality", tokens=0, open_=False, seats=2, candidates=5, channels=["web", "postal"]
    )
    settings = ballot_env.settings.model_copy(
        update={"sms_number": "0770 090 0123", "postal_address": "PO Box 1, Leeds"}
    )
    with ballot_env.read() as s:
        info = print_runs.card_info(repository.election_by_slug(s, SLUG), settings)
    # In the ballot's time zone: Europe/London unless the definition says otherwise.
    assert info.closes == "17:00 GMT, Sunday 31 January 2027"
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, SLUG)
        elsewhere = print_runs.card_info(election, settings, timezone="America/New_York")
        paper = print_runs.paper_info(election, settings, timezone="Europe/London")
    assert elsewhere.closes == "12:00 EST, Sunday 31 January 2027"
    assert paper.post_by == "Thursday 28 January 2027" and paper.closes == info.closes
    assert [(c.key, c.method, c.max_choices, len(c.candidates)) for c in paper.contests] == [
        ("A", "plurality", 2, 5)
    ]
    assert info.check_url is not None and info.check_url.endswith(f"/elections/{SLUG}/check")
    assert (info.method.kind, info.method.candidates, info.method.max_choices) == ("choose", 5, 2)
    assert info.web and info.sms_number is None and info.postal_address == "PO Box 1, Leeds"
