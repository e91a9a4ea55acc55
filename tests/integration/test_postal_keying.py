"""Postal double entry on a real database (SQLite file and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import col, select

from ballotbox.core.tokens.hashing import token_hash
from ballotbox.services import accounts, elections
from ballotbox.services.casting import cast
from ballotbox.services.elections import definition_of
from ballotbox.services.postal import batches, keying, reconcile
from ballotbox.services.postal.errors import (
    AccountLockedError,
    KeyingError,
    LoginError,
    PendingLettersError,
    PermissionDeniedError,
)
from ballotbox.services.postal.matching import Keyed, read_entry
from ballotbox.services.postal.voicemail import enqueue_voicemail
from ballotbox.storage import repository
from ballotbox.storage.models import Ballot
from ballotbox.storage.models_postal import PostalEntry, PostalLetter, TellerAction
from tests.fixtures.elections import CLOSES, BallotEnv
from tests.unit.postal.support import (
    PASSWORD,
    add_tellers,
    batch_of,
    get,
    open_batch,
    postal_dump,
    teller_named,
)


def key(
    env: BallotEnv,
    teller_name: str,
    batch_id: int,
    number: int,
    token: str,
    marks: dict[int, str],
    spoilt: str = "",
) -> keying.Outcome:
    with env.session() as s:
        teller = teller_named(s, teller_name)
        batch = batch_of(s, batch_id)
        definition = definition_of(keying._election(s, batch))
        return keying.submit_entry(
            s, env.ctx, teller, batch, number, read_entry(definition, token, marks, spoilt)
        )


@pytest.fixture
def env(ballot_env: BallotEnv) -> BallotEnv:
    ballot_env.make_election(tokens=12)
    add_tellers(
        ballot_env, ann="teller", bob="teller", sue="supervisor", sam="supervisor", sid="scrutineer"
    )
    return ballot_env


def test_agreeing_entries_cast_once_and_leave_no_trace_of_what_was_keyed(env: BallotEnv) -> None:
    token = env.tokens["test-2027"][0]
    batch_id = open_batch(env, "test-2027", 3)
    first = key(env, "ann", batch_id, 1, token.grouped, {2: "1", 1: "2"})
    assert first.stage == "first" and first.status == "pending"
    with env.read() as s:
        assert s.exec(select(Ballot)).all() == []
        # Before resolution the entry is sealed: no plain token in the database.
        assert token.digits not in postal_dump(s)
    second = key(env, "bob", batch_id, 1, token.digits, {2: "1", 1: " 2"})
    assert (second.stage, second.status) == ("resolved", "accepted")
    with env.read() as s:
        ballot = s.exec(select(Ballot)).one()
        assert ballot.channel == "postal" and json.loads(ballot.choices) == [2, 1]
        dump = postal_dump(s)
        election = repository.election_by_slug(s, "test-2027")
        hashed = token_hash(token, env.ctx.keys.token_key("test-2027"))
        assert token.digits not in dump and token.grouped not in dump
        assert hashed.hex() not in dump
        assert "[2, 1]" not in dump and "2 1" not in dump
        assert all(e.sealed is None for e in s.exec(select(PostalEntry)).all())
        # Who keyed which letter is kept (the action log and the entries), and the outcome.
        assert {e.stage for e in s.exec(select(PostalEntry)).all()} == {"first", "second"}
        assert get(s, PostalLetter, (batch_id, 1)).status == "accepted"
        # The ballot row is the core's: nothing about tellers, letters or batches.
        assert set(Ballot.model_fields) == {
            "token_hash",
            "election_id",
            "token",
            "channel",
            "choices",
        }
        assert election.id == ballot.election_id


def test_a_teller_cannot_key_the_same_letter_twice(env: BallotEnv) -> None:
    token = env.tokens["test-2027"][0]
    batch_id = open_batch(env, "test-2027", 2)
    key(env, "ann", batch_id, 1, token.digits, {1: "1"})
    with pytest.raises(KeyingError, match="already keyed"):
        key(env, "ann", batch_id, 1, token.digits, {1: "1"})
    with pytest.raises(KeyingError, match="no letter 3"):
        key(env, "ann", batch_id, 3, token.digits, {1: "1"})


def test_disagreement_goes_to_a_supervisor_who_keyed_neither_entry(env: BallotEnv) -> None:
    token = env.tokens["test-2027"][1]
    batch_id = open_batch(env, "test-2027", 2)
    key(env, "ann", batch_id, 1, token.digits, {1: "1", 2: "2"})
    outcome = key(env, "sue", batch_id, 1, token.digits, {1: "2", 2: "1"})
    assert outcome.stage == "disputed"
    with env.read() as s:
        assert s.exec(select(Ballot)).all() == []
    with env.session() as s:
        sue = teller_named(s, "sue")
        with pytest.raises(PermissionDeniedError, match="yourself"):
            keying.dispute(s, env.ctx, sue, batch_of(s, batch_id), 1)
        ann = teller_named(s, "ann")
        with pytest.raises(PermissionDeniedError):
            keying.dispute(s, env.ctx, ann, batch_of(s, batch_id), 1)  # a teller cannot adjudicate
    with env.session() as s:
        sam = teller_named(s, "sam")
        shown = keying.dispute(s, env.ctx, sam, batch_of(s, batch_id), 1)
        assert (
            shown.differ == ["choices"]
            and shown.first.choices == (1, 2)
            and shown.second.choices == (2, 1)
        )
        result = keying.adjudicate(
            s, env.ctx, sam, batch_of(s, batch_id), 1, Keyed(token=token.digits, choices=(2, 1))
        )
    assert result.status == "accepted"
    with env.read() as s:
        assert json.loads(s.exec(select(Ballot)).one().choices) == [2, 1]
        assert token.digits not in postal_dump(s)


def test_unknown_spent_and_void_tokens_are_rejected_with_the_reason(ballot_env: BallotEnv) -> None:
    _slug, tokens = ballot_env.make_election(tokens=3, open_=False)
    with ballot_env.session() as s:
        from ballotbox.services import issuance

        issuance.void(s, ballot_env.ctx, repository.election_by_slug(s, "test-2027"), [tokens[2]])
        elections.open_now(s, ballot_env.ctx, repository.election_by_slug(s, "test-2027"))
    add_tellers(ballot_env, ann="teller", bob="teller")
    with ballot_env.session() as s:
        cast(s, ballot_env.ctx, tokens[1], [1], "web")
    from ballotbox.core.tokens.format import generate

    stranger = generate(lambda n: 42 % n)
    batch_id = open_batch(ballot_env, "test-2027", 4)
    plan = {1: stranger.digits, 2: tokens[1].digits, 3: tokens[2].digits}
    for number, token in plan.items():
        key(ballot_env, "ann", batch_id, number, token, {1: "1"})
        key(ballot_env, "bob", batch_id, number, token, {1: "1"})
    key(ballot_env, "ann", batch_id, 4, "", {}, "no_token")
    key(ballot_env, "bob", batch_id, 4, "", {}, "no_token")
    with ballot_env.read() as s:
        letters = {
            letter.number: (letter.status, letter.reason)
            for letter in s.exec(select(PostalLetter)).all()
        }
        report = reconcile.reconcile(s, repository.election_by_slug(s, "test-2027"))
    assert letters == {
        1: ("rejected", "unknown_token"),
        2: ("rejected", "token_used"),
        3: ("rejected", "token_void"),
        4: ("spoilt", "no_token"),
    }
    assert report.total.received == 4 and report.total.count("rejected") == 3 and report.balanced


def test_reconciliation_blocks_counting_until_nothing_is_pending_or_the_officer_overrides(
    env: BallotEnv,
) -> None:
    tokens = env.tokens["test-2027"]
    batch_id = open_batch(env, "test-2027", 5)
    for n in (1, 2, 3):
        key(env, "ann", batch_id, n, tokens[n].digits, {1: "1"})
    key(env, "bob", batch_id, 1, tokens[1].digits, {1: "1"})  # accepted
    key(env, "bob", batch_id, 2, tokens[2].digits, {2: "1"})  # disputed
    key(env, "ann", batch_id, 4, "", {}, "unreadable")
    key(env, "bob", batch_id, 4, "", {}, "unreadable")  # spoilt
    # letter 3 keyed once, letter 5 not keyed
    with env.read() as s:
        report = reconcile.reconcile(s, repository.election_by_slug(s, "test-2027"))
    line = report.lines[0]
    assert (
        line.received,
        line.accepted,
        line.count("spoilt"),
        line.count("rejected"),
        line.pending,
    ) == (5, 1, 1, 0, 3)
    assert (line.unkeyed, line.keyed_once, line.adjudication) == (1, 1, 1)
    assert line.balanced and report.balanced and report.matches_ballots
    csv_text = reconcile.to_csv(report)
    assert (
        csv_text.splitlines()[1].startswith(f"{batch_id},post of 3 Dec,")
        or "post of 3 Dec" in csv_text
    )
    env.clock.set(CLOSES + timedelta(minutes=1))
    with env.session() as s:
        election = repository.election_by_slug(s, "test-2027")
        elections.apply_due_transitions(s, env.ctx, election)
    with env.session() as s, pytest.raises(PendingLettersError, match="3 postal letter"):
        reconcile.gate_tally(s, env.ctx, repository.election_by_slug(s, "test-2027"), None)
    with env.session() as s:
        election = repository.election_by_slug(s, "test-2027")
        assert reconcile.gate_tally(s, env.ctx, election, "bag 3 lost in the post room fire") == 3
    assert election.id is not None
    with env.read() as s:
        entry = repository.log_entries(s, election.id)[-1]
    assert (
        entry.kind == "override"
        and json.loads(entry.payload)["reason"] == "bag 3 lost in the post room fire"
    )
    assert json.loads(entry.payload)["pending"] == 3


def test_the_tally_service_itself_refuses_to_count_while_letters_are_pending(
    env: BallotEnv,
) -> None:
    """Every caller of the tally (CLI, demo, console) gets the gate: it lives in the service."""
    from ballotbox.core.errors import InputError
    from ballotbox.services import tally
    from ballotbox.storage.models import ElectionState

    tokens = env.tokens["test-2027"]
    batch_id = open_batch(env, "test-2027", 2)
    key(env, "ann", batch_id, 1, tokens[1].digits, {1: "1"})
    key(env, "bob", batch_id, 1, tokens[1].digits, {1: "1"})  # accepted; letter 2 not keyed
    env.clock.set(CLOSES + timedelta(minutes=1))
    with env.session() as s:
        elections.apply_all_due(s, env.ctx)

    def chain_kinds() -> list[str]:
        with env.read() as s:
            election = repository.election_by_slug(s, "test-2027")
            assert election.id is not None
            return [e.kind for e in repository.log_entries(s, election.id)]

    before = chain_kinds()
    with pytest.raises(PendingLettersError, match="1 postal letter"), env.session() as s:
        tally.tally(s, env.ctx, repository.election_by_slug(s, "test-2027"))
    with pytest.raises(InputError, match="reason of 5 to 500"), env.session() as s:
        tally.tally(s, env.ctx, repository.election_by_slug(s, "test-2027"), override_pending="?")
    with env.read() as s:
        election = repository.election_by_slug(s, "test-2027")
        assert (election.state, election.result) == (ElectionState.CLOSED, None)
    assert chain_kinds() == before  # a refused count changes nothing

    reason = "letter 2 was eaten by the sorting machine"
    with env.session() as s:
        result = tally.tally(
            s, env.ctx, repository.election_by_slug(s, "test-2027"), override_pending=reason
        )
    assert result.valid_poll == 1
    with env.read() as s:
        election = repository.election_by_slug(s, "test-2027")
        assert election.id is not None and election.state == ElectionState.COUNTED
        override, counted = repository.log_entries(s, election.id)[-2:]
    assert chain_kinds()[:-2] == before
    assert (override.kind, counted.kind) == ("override", "counted")
    logged = json.loads(override.payload)
    assert (logged["what"], logged["pending"], logged["reason"]) == (
        "postal_letters_pending",
        1,
        reason,
    )


def test_the_close_commits_the_late_arrivals_its_context_counts(env: BallotEnv) -> None:
    """The close asks the context, and nothing else, how many ballots are still in hand."""
    from dataclasses import replace

    env.make_election(slug="second", tokens=2)
    open_batch(env, "test-2027", 3)  # letters in hand, but this context does not count them
    counted = replace(env.ctx, late_arrivals=(lambda s, e: 4, lambda s, e: 1))
    with env.session() as s:
        elections.close_now(s, counted, repository.election_by_slug(s, "second"))
        elections.close_now(
            s, replace(env.ctx, late_arrivals=()), repository.election_by_slug(s, "test-2027")
        )
    with env.read() as s:
        second = repository.election_by_slug(s, "second")
        first = repository.election_by_slug(s, "test-2027")
        assert second.id is not None and first.id is not None
        closed_second = repository.last_event(s, second.id, "closed")
        closed_first = repository.last_event(s, first.id, "closed")
    assert closed_second is not None and closed_second["late"] == 5
    assert closed_first is not None and "late" not in closed_first


def test_closing_with_only_the_elections_service_imported_commits_the_letters_in_hand(
    env: BallotEnv,
) -> None:
    """No import side effect: a process that never imports the postal services gets ``late``."""
    import subprocess
    import sys

    open_batch(env, "test-2027", 2)  # two letters in hand
    probe = f"""
import json, sys
from datetime import datetime
from ballotbox.config import Settings
from ballotbox.core.clock import FixedClock
from ballotbox.services import elections
from ballotbox.storage import repository
from ballotbox.storage.db import make_engine, transaction
imported_first = "ballotbox.services.postal" in sys.modules
from ballotbox.wiring import context_for
settings = Settings(
    database_url={env.settings.database_url!r}, key_dir={str(env.settings.key_dir)!r}
)
ctx = context_for(settings, FixedClock(datetime.fromisoformat({CLOSES.isoformat()!r})))
engine = make_engine(settings.database_url)
with transaction(engine) as s:
    elections.close_now(s, ctx, repository.election_by_slug(s, "test-2027"))
with transaction(engine) as s:
    election = repository.election_by_slug(s, "test-2027")
    closed = repository.last_event(s, election.id, "closed")
engine.dispose()
print(json.dumps({{"imported_first": imported_first, "closed": closed}}))
"""
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["imported_first"] is False  # the elections service alone does not load postal
    assert seen["closed"]["late"] == 2 and seen["closed"]["ballots"] == 0


def test_wrong_passwords_lock_the_account_only_from_where_they_came(env: BallotEnv) -> None:
    # Locking after five failures from anywhere let anyone lock a teller out; the lockout is
    # for the account from that source only (the web keys it by client address).
    for _ in range(accounts.MAX_FAILURES - 1):
        with env.session() as s, pytest.raises(LoginError):
            accounts.authenticate(s, env.ctx, "ann", "wrong password", source="203.0.113.9")
    with env.session() as s, pytest.raises(AccountLockedError):
        accounts.authenticate(s, env.ctx, "ann", "wrong again", source="203.0.113.9")
    with env.session() as s, pytest.raises(AccountLockedError):
        accounts.authenticate(s, env.ctx, "ann", PASSWORD, source="203.0.113.9")
    with env.session() as s:  # Ann, from her own desk, is not locked out
        assert accounts.authenticate(s, env.ctx, "ANN", PASSWORD, source="198.51.100.3")
    with env.read() as s:
        done = [a.action for a in s.exec(select(TellerAction).order_by(col(TellerAction.id))).all()]
    assert done.count("login_failed") == accounts.MAX_FAILURES and done.count("locked") == 1
    with env.session() as s, pytest.raises(LoginError):  # an unknown name: the same answer
        accounts.authenticate(s, env.ctx, "nobody", PASSWORD, source="198.51.100.3")


def test_sessions_expire_and_end(env: BallotEnv) -> None:
    with env.session() as s:
        teller = accounts.authenticate(s, env.ctx, "ann", PASSWORD)
        sid = accounts.start_session(s, env.ctx, teller)
    with env.read() as s:
        signed_in = accounts.teller_for_session(s, env.ctx, sid)
        assert signed_in is not None and signed_in.username == "ann"
        assert accounts.teller_for_session(s, env.ctx, b"x" * 32) is None
    env.clock.advance(accounts.SESSION_LIFETIME)
    with env.read() as s:
        assert accounts.teller_for_session(s, env.ctx, sid) is None


def test_roles_a_teller_cannot_open_batches_and_a_scrutineer_cannot_key(env: BallotEnv) -> None:
    token = env.tokens["test-2027"][0]
    with env.session() as s:
        election = repository.election_by_slug(s, "test-2027")
        ann = teller_named(s, "ann")
        with pytest.raises(PermissionDeniedError, match="teller"):
            batches.open_batch(s, env.ctx, ann, election, "bag", 3)
        sue = teller_named(s, "sue")
        batch = batches.open_batch(s, env.ctx, sue, election, "bag 1", 3)
        sid = teller_named(s, "sid")
        with pytest.raises(PermissionDeniedError, match="scrutineer"):
            keying.submit_entry(s, env.ctx, sid, batch, 1, Keyed(token=token.digits, choices=(1,)))
        with pytest.raises(PermissionDeniedError):
            batches.open_batch(s, env.ctx, sid, election, "bag", 3)


def test_voicemail_items_are_numbered_in_their_own_batch_and_cast_by_phone(env: BallotEnv) -> None:
    token = env.tokens["test-2027"][3]
    with env.session() as s:
        election = repository.election_by_slug(s, "test-2027")
        enqueue_voicemail(s, env.ctx, election, "RE0001")
        enqueue_voicemail(s, env.ctx, election, "RE0002")
    with env.read() as s:
        letters = s.exec(select(PostalLetter).order_by(col(PostalLetter.number))).all()
        assert [(x.number, x.recording_ref) for x in letters] == [(1, "RE0001"), (2, "RE0002")]
        batch_id = letters[0].batch_id
        assert batch_of(s, batch_id).kind == "voicemail" and batch_of(s, batch_id).letters == 2
    key(env, "ann", batch_id, 2, token.digits, {3: "1"})
    assert key(env, "bob", batch_id, 2, token.digits, {3: "1"}).status == "accepted"
    with env.read() as s:
        assert s.exec(select(Ballot)).one().channel == "phone"
        assert get(s, PostalLetter, (batch_id, 2)).recording_ref is None
        report = reconcile.reconcile(s, repository.election_by_slug(s, "test-2027"))
    assert report.total.received == 2 and report.total.pending == 1 and report.balanced


def test_letters_received_before_the_close_are_keyed_after_it_and_verify(
    env: BallotEnv, tmp_path
) -> None:
    """Post is keyed after the close; the close commits to how many letters may still count."""
    import subprocess
    import sys

    from ballotbox.core.errors import ElectionNotOpenError
    from ballotbox.services import publishing, tally
    from ballotbox.storage.models import ElectionState

    tokens = env.tokens["test-2027"]
    with env.session() as s:  # one vote on the web before the close
        cast(s, env.ctx, tokens[0], [2], "web")
    in_time = open_batch(env, "test-2027", 3)  # the bag arrived before the close
    env.clock.set(CLOSES + timedelta(hours=20))  # the next morning
    with env.session() as s:
        assert elections.apply_all_due(s, env.ctx) == ["test-2027"]
    with env.read() as s:
        closed = repository.last_event(s, 1, "closed")
    assert closed is not None and closed["late"] == 3 and closed["ballots"] == 1
    late_bag = open_batch(env, "test-2027", 1, label="arrived after the close")
    for teller in ("ann", "bob"):
        key(env, teller, in_time, 1, tokens[1].digits, {1: "1", 2: "2"})
        key(env, teller, in_time, 2, tokens[2].digits, {3: "1"})
        key(env, teller, in_time, 3, "", {}, "unreadable")
        key(env, teller, late_bag, 1, tokens[3].digits, {1: "1"})
    with env.read() as s:
        letters = {
            (x.batch_id, x.number): (x.status, x.reason) for x in s.exec(select(PostalLetter))
        }
    assert letters[(in_time, 1)] == ("accepted", "") and letters[(in_time, 2)] == ("accepted", "")
    assert letters[(late_bag, 1)] == ("rejected", "election_not_open")
    with pytest.raises(ElectionNotOpenError), env.session() as s:  # the web stays closed
        cast(s, env.ctx, tokens[4], [1], "web")
    with env.session() as s:
        result = tally.tally(s, env.ctx, repository.election_by_slug(s, "test-2027"))
    assert result.valid_poll == 3
    with env.session() as s:
        election = repository.election_by_slug(s, "test-2027")
        done = publishing.publish(s, env.ctx, election, tmp_path / "bundle")
        assert election.state == ElectionState.PUBLISHED
    verify = subprocess.run(
        [sys.executable, "-m", "ballotbox.core.audit.verify", str(done.directory)],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
