"""Drafts can be corrected or deleted until cards exist; a ballot with no tokens never opens.

On SQLite and PostgreSQL, through the services and the real ``ballotbox`` command.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from ballotbox.core.audit.chain import document_hash
from ballotbox.core.audit.verify import main as verify
from ballotbox.core.errors import DraftLockedError, InputError, NoTokensIssuedError
from ballotbox.core.members.registers import read_register
from ballotbox.definition import definition_from_dict
from ballotbox.services import drafts, elections, issuance, publishing, tally
from ballotbox.services import members as registers
from ballotbox.services.actions import action_log
from ballotbox.services.casting import cast
from ballotbox.storage import repository
from ballotbox.storage.models import Candidate, Election, ElectionState, LogEntry
from ballotbox.storage.models_members import RegisteredMember
from tests.fixtures.cli import run_cli
from tests.fixtures.elections import CLOSES, OPENS, BallotEnv

SLUG = "test-2027"
TOML = """slug = "{slug}"
title = "{title}"
method = "irv"
seats = 1
opens = 2027-01-10T09:00:00Z
closes = 2027-01-31T17:00:00Z
tie_seed = "test-seed"
[[candidates]]
number = 1
name = "Ann Example"
[[candidates]]
number = 2
name = "Bob Builder"
"""


def draft(env: BallotEnv) -> None:
    env.make_election(SLUG, tokens=0, open_=False, title="NEC electon")  # the typo to correct


def test_a_draft_is_corrected_from_toml_and_then_runs_to_a_verified_bundle(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    draft(ballot_env)
    fixed = tmp_path / "fixed.toml"
    fixed.write_text(TOML.format(slug=SLUG, title="NEC election"), encoding="utf-8")
    done = run_cli(ballot_env, "election", "edit", SLUG, str(fixed))
    assert done.returncode == 0, done.stderr
    assert "Updated the draft test-2027: NEC election (irv, 1 seat(s), 2 candidates)" in done.stdout
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, SLUG)
        assert election.title == "NEC election"
        assert [c.name for c in s.exec(select(Candidate)).all()] == ["Ann Example", "Bob Builder"]
        [created] = repository.log_entries(s, election.id or 0)
        payload = json.loads(created.payload)
        assert payload["kind"] == "created"
        assert payload["definition_hash"] == document_hash(elections.definition_document(election))
        [logged] = action_log(s, SLUG, "draft_edited")
        assert logged.detail.endswith(payload["definition_hash"])
    # The corrected draft runs to the end, and the offline verifier accepts its bundle.
    with ballot_env.session() as s:
        tokens = issuance.issue(s, ballot_env.ctx, repository.election_by_slug(s, SLUG), 3)
    ballot_env.clock.set(OPENS)
    with ballot_env.session() as s:
        elections.open_now(s, ballot_env.ctx, repository.election_by_slug(s, SLUG))
    with ballot_env.session() as s:
        cast(s, ballot_env.ctx, tokens[0], [2, 1], "web")
    ballot_env.clock.set(CLOSES)
    with ballot_env.session() as s:
        elections.apply_all_due(s, ballot_env.ctx)
    with ballot_env.session() as s:
        tally.tally(s, ballot_env.ctx, repository.election_by_slug(s, SLUG))
    with ballot_env.session() as s:
        bundle = publishing.publish(
            s, ballot_env.ctx, repository.election_by_slug(s, SLUG), tmp_path / "bundle"
        )
    assert verify([str(bundle.directory)]) == 0


def test_an_edit_that_changes_the_slug_or_fails_validation_changes_nothing(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    draft(ballot_env)
    other = tmp_path / "other.toml"
    other.write_text(TOML.format(slug="other-2027", title="x"), encoding="utf-8")
    moved = run_cli(ballot_env, "election", "edit", SLUG, str(other))
    assert moved.returncode == 2 and "a slug cannot change" in moved.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text(TOML.format(slug=SLUG, title="x").replace("irv", "stv"), encoding="utf-8")
    invalid = run_cli(ballot_env, "election", "edit", SLUG, str(broken))
    assert invalid.returncode == 2 and "line 3: method" in invalid.stderr
    with ballot_env.read() as s:
        assert repository.election_by_slug(s, SLUG).title == "NEC electon"
        assert action_log(s, SLUG) == []


def test_nothing_is_editable_or_deletable_once_tokens_are_issued(ballot_env: BallotEnv) -> None:
    ballot_env.make_election(SLUG, tokens=2, open_=False)
    definition = definition_from_dict(ballot_env.definition(SLUG, title="Changed"))
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        with pytest.raises(DraftLockedError, match="cannot be edited: 2 ballot token"):
            drafts.replace_definition(s, ballot_env.ctx, election, definition, actor="x")
    deleted = run_cli(ballot_env, "election", "delete", SLUG, "--yes")
    assert deleted.returncode == 1
    assert "“test-2027” cannot be deleted: 2 ballot token(s) have been issued" in deleted.stderr
    ballot_env.clock.set(OPENS)
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        elections.open_now(s, ballot_env.ctx, election)
        with pytest.raises(DraftLockedError, match="it is open, no longer a draft"):
            drafts.delete_draft(s, ballot_env.ctx, election, actor="x")


def test_a_draft_is_deleted_with_its_registers_and_the_deletion_logged(
    ballot_env: BallotEnv,
) -> None:
    draft(ballot_env)
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        registers.import_register(s, election, read_register("No,Name\n1,A\n2,B\n", "O"))
    asked = run_cli(ballot_env, "election", "delete", SLUG, stdin="n\n")
    assert asked.returncode == 1 and "Nothing was deleted." in asked.stdout
    done = run_cli(ballot_env, "election", "delete", SLUG, "--yes")
    assert done.returncode == 0, done.stderr
    with ballot_env.read() as s:
        assert s.exec(select(Election)).all() == []
        assert s.exec(select(RegisteredMember)).all() == []
        assert s.exec(select(LogEntry)).all() == []
        [logged] = action_log(s, SLUG, "draft_deleted")
    assert "NEC electon" in logged.detail and "2 registered member(s)" in logged.detail
    # The slug is free again.
    again = definition_from_dict(ballot_env.definition(SLUG))
    with ballot_env.session() as s:
        elections.create(s, ballot_env.ctx, again)


def test_opening_with_no_usable_token_is_refused_with_the_reason(ballot_env: BallotEnv) -> None:
    draft(ballot_env)
    ballot_env.clock.set(OPENS)
    refused = run_cli(ballot_env, "election", "open", SLUG)
    assert refused.returncode == 1
    assert "cannot open: no ballot tokens have been issued, so no one could vote" in refused.stderr
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        tokens = issuance.issue(s, ballot_env.ctx, election, 2)
        issuance.void(s, ballot_env.ctx, election, tokens)
    with ballot_env.session() as s, pytest.raises(NoTokensIssuedError, match="all 2 ballot"):
        elections.open_now(s, ballot_env.ctx, repository.election_by_slug(s, SLUG))
    with ballot_env.read() as s:
        assert repository.election_by_slug(s, SLUG).state == ElectionState.DRAFT


def test_the_scheduled_open_waits_for_tokens_and_says_why_once(ballot_env: BallotEnv) -> None:
    draft(ballot_env)
    ballot_env.clock.set(OPENS)
    for _ in range(3):  # every write and the clock loop apply due transitions
        with ballot_env.session() as s:
            assert elections.apply_all_due(s, ballot_env.ctx) == []
    with ballot_env.read() as s:
        assert repository.election_by_slug(s, SLUG).state == ElectionState.DRAFT
        [logged] = action_log(s, SLUG, "open_refused")
    assert logged.actor == "scheduler" and "no ballot tokens have been issued" in logged.detail
    with ballot_env.session() as s:
        issuance.issue(s, ballot_env.ctx, repository.election_by_slug(s, SLUG), 2)
    with ballot_env.session() as s:
        assert elections.apply_all_due(s, ballot_env.ctx) == [SLUG]


def test_an_edit_keeps_the_slug_in_the_service_too(ballot_env: BallotEnv) -> None:
    draft(ballot_env)
    renamed = definition_from_dict(ballot_env.definition("renamed-2027"))
    with ballot_env.session() as s, pytest.raises(InputError, match="slug cannot change"):
        drafts.replace_definition(
            s, ballot_env.ctx, repository.election_by_slug(s, SLUG), renamed, actor="x"
        )
