"""``ballotbox print check-list`` and ``print results``: large print read back from the PDF."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ballotbox.core.errors import InputError, LifecycleError, OutputExistsError
from ballotbox.services.offline_print import print_check_list, print_results
from ballotbox.storage import repository
from tests.fixtures.cli import one_error_line, run_cli
from tests.fixtures.contest_ballots import publish_three_contest_ballot
from tests.fixtures.elections import BallotEnv
from tests.integration.test_publish import publish, run_election
from tests.unit.tokens.pdfcheck import page_count, page_text, smallest_text, text_sizes

GROUPED = re.compile(r"\b\d{4} \d{4} \d{4} \d{4} \d{4}\b")


def _root(env: BallotEnv, slug: str) -> str:
    with env.read() as s:
        election = repository.election_by_slug(s, slug)
        assert election.id is not None
        opened = repository.lifecycle_entry(s, election.id, "opened")
        assert opened is not None
        return str(json.loads(opened.payload)["commitment"]["body"]["merkle_root"])


def test_the_check_list_cli_prints_every_vote_by_name_in_large_print(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    slug, tokens, receipts = run_election(ballot_env)
    publish(ballot_env, slug, tmp_path / "bundle")
    out = tmp_path / "check.pdf"
    done = run_cli(ballot_env, "print", "check-list", slug, "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = page_text(out)
    flat = " ".join(text.split())
    listed = GROUPED.findall(text)
    assert listed == sorted(t.grouped for t in tokens[:5])  # the five voters, by token
    assert tokens[5].grouped not in text and tokens[6].grouped not in text  # unused, void
    assert "1. Ann Example, 2. Cy Twombly, 3. Bob Builder" in flat  # [1, 3, 2] in order
    assert all(r["code"] in flat for r in receipts)
    assert smallest_text(out) >= 14
    root = _root(ballot_env, slug)
    grouped_root = " ".join(root[i : i + 4] for i in range(0, 64, 4))
    for page in range(1, page_count(out) + 1):
        assert grouped_root[:39] in " ".join(page_text(out, page).split())


def test_a_prefix_prints_only_the_tokens_that_start_with_it(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    slug, tokens, _receipts = run_election(ballot_env)
    publish(ballot_env, slug, tmp_path / "bundle")
    voted = tokens[:5]
    prefix = voted[2].digits[:1]
    out = tmp_path / "prefix.pdf"
    with ballot_env.read() as s:
        print_check_list(s, repository.election_by_slug(s, slug), out, prefix)
    listed = GROUPED.findall(page_text(out))
    assert listed == sorted(t.grouped for t in voted if t.digits.startswith(prefix))
    assert f"Tokens beginning {prefix}" in page_text(out, 1)
    # A prefix no voter has: a page that says so (and the member knows no vote is recorded).
    unused = next(str(d) for d in range(10) if not any(t.digits[0] == str(d) for t in voted))
    empty = tmp_path / "none.pdf"
    with ballot_env.read() as s:
        print_check_list(s, repository.election_by_slug(s, slug), empty, unused)
    assert GROUPED.findall(page_text(empty)) == []
    assert f"No vote was recorded for any token beginning {unused}" in page_text(empty)


def test_bad_prefixes_unpublished_ballots_and_existing_files_are_refused(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    slug, _tokens, _receipts = run_election(ballot_env)
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, slug)
        with pytest.raises(LifecycleError, match="not published"):
            print_check_list(s, election, tmp_path / "early.pdf")
    assert not (tmp_path / "early.pdf").exists()
    publish(ballot_env, slug, tmp_path / "bundle")
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, slug)
        for bad in ("4a", "1234567"):
            with pytest.raises(InputError):
                print_check_list(s, election, tmp_path / "bad.pdf", bad)
        (tmp_path / "taken.pdf").write_bytes(b"keep")
        with pytest.raises(OutputExistsError):
            print_results(s, election, tmp_path / "taken.pdf")
    assert (tmp_path / "taken.pdf").read_bytes() == b"keep"
    done = run_cli(ballot_env, "print", "check-list", slug, "--out", str(tmp_path / "x.pdf"),
                   "--prefix", "4-8")  # fmt: skip
    one_error_line(done, 2, "--prefix")


def test_three_contests_print_names_per_contest_and_every_round(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    slug, tokens, _receipts = publish_three_contest_ballot(ballot_env, tmp_path / "bundle")
    out = tmp_path / "check.pdf"
    with ballot_env.read() as s:
        print_check_list(s, repository.election_by_slug(s, slug), out)
    flat = " ".join(page_text(out).split())
    assert "A. Executive committee: 1. Eve Online, 2. Ann Example, 3. Cy Twombly" in flat
    assert "B. Chair: left blank C. Motion 1: affiliate to the campaign: No" in flat
    sheet = tmp_path / "results.pdf"
    done = run_cli(ballot_env, "print", "results", slug, "--out", str(sheet))
    assert done.returncode == 0, done.stderr
    flat = " ".join(page_text(sheet).split())
    with ballot_env.read() as s:
        result = json.loads(repository.election_by_slug(s, slug).result or "{}")
    for key, title in (("A", "Executive committee"), ("B", "Chair")):
        assert f"{key}. {title}" in flat
        for stage in result["contests"][key]["rounds"]:
            assert f"Round {stage['number']}:" in flat
    assert "Elected: " + ", ".join(result["contests"]["A"]["elected"]) in flat
    assert min(min(page) for page in text_sizes(sheet)) >= 14
    assert _root(ballot_env, slug)[:4] in page_text(sheet, page_count(sheet))


def test_the_postal_dispute_form_needs_a_return_address_and_is_large_print(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    slug, _tokens = ballot_env.make_election(tokens=1, open_=False)
    out = tmp_path / "form.pdf"
    address = {"BALLOTBOX_POSTAL_ADDRESS": "Returning Officer, Freepost BALLOT"}
    done = run_cli(ballot_env, "print", "dispute-form", slug, "--out", str(out), extra_env=address)
    assert done.returncode == 0, done.stderr
    flat = " ".join(page_text(out).split())
    assert "Report a wrong vote" in flat and "Freepost BALLOT" in flat
    assert "Do not write your name" in flat and smallest_text(out) >= 14
    missing = run_cli(ballot_env, "print", "dispute-form", slug, "--out", str(tmp_path / "x.pdf"))
    one_error_line(missing, 2, "BALLOTBOX_POSTAL_ADDRESS")
