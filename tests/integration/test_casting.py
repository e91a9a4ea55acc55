"""cast() on a real database (SQLite file and PostgreSQL): the one door, exactly once."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from ballotbox.core.audit.chain import GENESIS, ballot_commitment, ballot_hash, link
from ballotbox.core.errors import (
    BallotboxError,
    ChoiceError,
    ElectionNotOpenError,
    TokenChecksumError,
    TokenUsedError,
    TokenVoidError,
    UnknownElectionError,
    UnknownTokenError,
)
from ballotbox.core.tokens.format import generate
from ballotbox.services import elections, issuance
from ballotbox.services.casting import CastRequest, cast, cast_many
from ballotbox.storage import repository
from ballotbox.storage.models import Ballot, BallotToken, LogEntry
from tests.fixtures.elections import CLOSES, BallotEnv


def snapshot(env: BallotEnv) -> tuple[int, int, int]:
    """Ballots, spent tokens and log entries: what a failed attempt must not change."""
    with env.read() as s:
        return (
            s.exec(select(func.count()).select_from(Ballot)).one(),
            s.exec(
                select(func.count()).select_from(BallotToken).where(BallotToken.state == "voted")
            ).one(),
            s.exec(select(func.count()).select_from(LogEntry)).one(),
        )


def test_a_cast_stores_the_ballot_spends_the_token_and_logs_a_blinded_entry(
    ballot_env: BallotEnv,
) -> None:
    slug, tokens = ballot_env.make_election(tokens=3)
    with ballot_env.session() as s:
        receipt = cast(s, ballot_env.ctx, tokens[0].grouped, [3, 1], "web")
    assert receipt.ballot_names == {"A": ["Cy Twombly", "Ann Example"]}
    assert len(receipt.code) == 8
    with ballot_env.read() as s:
        ballot = s.exec(select(Ballot)).one()
        assert ballot.token == tokens[0].digits and json.loads(ballot.choices) == [3, 1]
        log = repository.log_entries(s, ballot.election_id)
    entry = log[-1]
    body = receipt.receipt["body"]
    assert entry.kind == "ballot" and entry.position == body["position"]
    # The log holds only the blinded commitment; the receipt's nonce opens it.
    payload = json.loads(entry.payload)
    assert set(payload) == {"kind", "commitment"}
    assert tokens[0].digits not in entry.payload
    expected = ballot_commitment(
        bytes.fromhex(body["nonce"]), ballot_hash(tokens[0].digits, [3, 1])
    )
    assert payload["commitment"] == expected.hex()
    # And the chain links from genesis to the receipt's head.
    head = GENESIS
    for e in log:
        head = link(head, e.position, json.loads(e.payload))
        assert head == e.entry_hash
    assert head.hex() == body["head"]


def test_second_use_of_a_token_is_refused_from_any_channel(ballot_env: BallotEnv) -> None:
    _slug, tokens = ballot_env.make_election(tokens=2, channels=["web", "sms", "postal"])
    with ballot_env.session() as s:
        cast(s, ballot_env.ctx, tokens[0], [1], "web")
    before = snapshot(ballot_env)
    for channel in ("sms", "postal", "web"):
        with pytest.raises(TokenUsedError), ballot_env.session() as s:
            cast(s, ballot_env.ctx, tokens[0], [2], channel)
    assert snapshot(ballot_env) == before


@pytest.mark.parametrize(
    ("text", "choices", "error"),
    [
        ("typo", [1], TokenChecksumError),
        ("unknown", [1], UnknownTokenError),
        ("valid", [9], ChoiceError),
        ("valid", [1, 1], ChoiceError),
        ("valid", [], ChoiceError),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(
    ballot_env: BallotEnv, text: str, choices: list[int], error: type[BallotboxError]
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=2)
    digits = tokens[0].digits
    typed = {
        "typo": digits[:-2] + digits[-1] + digits[-2]
        if digits[-1] != digits[-2]
        else digits[:-1] + str((int(digits[-1]) + 1) % 10),
        "unknown": "0" * 18 + "98",
        "valid": digits,
    }[text]
    before = snapshot(ballot_env)
    with pytest.raises(error) as raised, ballot_env.session() as s:
        cast(s, ballot_env.ctx, typed, choices, "web")
    assert raised.value.message
    assert snapshot(ballot_env) == before


def test_nothing_can_be_cast_outside_the_window_or_by_a_disabled_channel(
    ballot_env: BallotEnv,
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=3, open_=False, channels=["web"])
    with pytest.raises(ElectionNotOpenError) as early, ballot_env.session() as s:
        cast(s, ballot_env.ctx, tokens[0], [1], "web")
    assert "opens on 10 January 2027" in early.value.message
    # Opening by time: the clock passes `opens` and the next cast opens it.
    ballot_env.clock.set(CLOSES - timedelta(days=1))
    with pytest.raises(ElectionNotOpenError) as sms, ballot_env.session() as s:
        cast(s, ballot_env.ctx, tokens[0], [1], "sms")
    assert "by sms" in sms.value.message
    with ballot_env.session() as s:
        cast(s, ballot_env.ctx, tokens[0], [1], "web")
    ballot_env.clock.set(CLOSES)
    with pytest.raises(ElectionNotOpenError) as late, ballot_env.session() as s:
        cast(s, ballot_env.ctx, tokens[1], [1], "web")
    assert "closed on 31 January 2027" in late.value.message
    # A refused cast changes nothing, not even the state; the app's clock loop records the close.
    with ballot_env.session() as s:
        assert elections.apply_all_due(s, ballot_env.ctx) == ["test-2027"]
    with ballot_env.read() as s:
        kinds = [e.kind for e in repository.log_entries(s, 1)]
    assert kinds == ["created", "tokens_issued", "opened", "ballot", "closed"]


def test_void_cards_cannot_vote(ballot_env: BallotEnv) -> None:
    slug, tokens = ballot_env.make_election(tokens=3, open_=False)
    with ballot_env.session() as s:
        issuance.void(s, ballot_env.ctx, repository.election_by_slug(s, slug), [tokens[0]])
        elections.open_now(s, ballot_env.ctx, repository.election_by_slug(s, slug))
    with pytest.raises(TokenVoidError), ballot_env.session() as s:
        cast(s, ballot_env.ctx, tokens[0], [1], "web")


def test_a_bare_token_names_its_election(ballot_env: BallotEnv) -> None:
    _a, first = ballot_env.make_election("first-2027", tokens=2)
    _b, second = ballot_env.make_election("second-2027", "referendum", tokens=2)
    with ballot_env.session() as s:
        assert cast(s, ballot_env.ctx, second[0], [1], "web").election == "second-2027"
        assert cast(s, ballot_env.ctx, first[0], [2], "web").election == "first-2027"
    with pytest.raises(UnknownTokenError), ballot_env.session() as s:
        cast(s, ballot_env.ctx, first[1], [1], "web", election_slug="second-2027")
    with pytest.raises(UnknownElectionError), ballot_env.session() as s:
        cast(s, ballot_env.ctx, first[1], [1], "web", election_slug="nope")


def test_concurrent_casts_of_one_token_from_many_channels_count_once(ballot_env: BallotEnv) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1, channels=["web", "sms", "phone", "postal"])
    outcomes: list[str] = []
    barrier = threading.Barrier(12)

    def attempt(i: int) -> None:
        channel = ("web", "sms", "phone", "postal")[i % 4]
        barrier.wait()
        try:
            with ballot_env.session() as s:
                cast(s, ballot_env.ctx, tokens[0], [1 + i % 4], channel)
            outcomes.append("ok")
        except TokenUsedError:
            outcomes.append("used")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok"] + ["used"] * 11
    assert snapshot(ballot_env)[0] == 1


def test_an_acknowledged_vote_survives_a_new_connection(ballot_env: BallotEnv) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    with ballot_env.session() as s:
        cast(s, ballot_env.ctx, tokens[0], [2], "web")
    ballot_env.engine.dispose()  # drop every pooled connection, as a restart would
    with ballot_env.read() as s:
        assert s.exec(select(Ballot.choices)).one() == "[2]"


def test_tokens_are_unique_across_elections_and_never_stored_plain(ballot_env: BallotEnv) -> None:
    # A random source that repeats itself must not produce a duplicate card.
    repeats = iter([5, 5, 5, 6, 5, 7] + list(range(100, 200)))
    ballot_env.ctx.randbelow = lambda _n: next(repeats)
    _a, first = ballot_env.make_election("first-2027", tokens=2, open_=False)
    _b, second = ballot_env.make_election("second-2027", tokens=2, open_=False)
    digits = [t.digits for t in first + second]
    assert len(set(digits)) == 4
    with ballot_env.read() as s:
        stored = [row.token_hash for row in s.exec(select(BallotToken)).all()]
    assert all(len(h) == 32 for h in stored)
    assert not any(d.encode() in h for d in digits for h in stored)


def test_an_old_election_whose_keys_were_destroyed_does_not_stop_another_one(
    ballot_env: BallotEnv,
) -> None:
    """deploy/README.md: an election's key folder is deleted after its challenge period.  Its
    rows stay in the database; a vote for another election, found with or without naming it
    (texts and calls name none), goes on as before, and a new ballot's cards can be issued."""
    import shutil  # noqa: PLC0415 - this test alone

    old, _old_tokens = ballot_env.make_election(slug="old-2026", tokens=1)
    slug, tokens = ballot_env.make_election(slug="new-2027", tokens=3)
    shutil.rmtree(ballot_env.ctx.keys.folder(old))
    with ballot_env.session() as s:
        by_text = cast(s, ballot_env.ctx, tokens[0], [1], "sms")
        by_page = cast(s, ballot_env.ctx, tokens[1], [2], "web", election_slug=slug)
    assert by_text.election == by_page.election == slug
    with ballot_env.session() as s, pytest.raises(UnknownTokenError):
        cast(s, ballot_env.ctx, generate(), [1], "sms")  # never issued: unknown, not a crash
    later, later_tokens = ballot_env.make_election(slug="later-2028", tokens=2)  # cards issue
    with ballot_env.session() as s:
        assert cast(s, ballot_env.ctx, later_tokens[0], [1], "phone").election == later


def test_a_ballot_already_stored_for_an_unspent_looking_token_is_refused_and_nothing_kept(
    ballot_env: BallotEnv,
) -> None:
    """If a token were spent without its row lock (its row still says unused), the append
    meets the stored ballot's key: the cast is refused as used and the whole batch rolls
    back, on the driver's own error as on SQLAlchemy's."""
    _slug, tokens = ballot_env.make_election(tokens=2)
    with ballot_env.session() as s:
        cast(s, ballot_env.ctx, tokens[0], [1], "web")
    with ballot_env.session() as s:
        s.execute(update(BallotToken).values(state="unused"))  # as if never marked voted
    with ballot_env.read() as s:
        length = len(repository.log_entries(s, 1))
    with pytest.raises(TokenUsedError), ballot_env.session() as s:
        cast_many(s, ballot_env.ctx, [CastRequest(tokens[1], [2], "web")])
        cast(s, ballot_env.ctx, tokens[0], [2], "web")
    with ballot_env.read() as s:
        assert s.exec(select(func.count()).select_from(Ballot)).one() == 1  # tokens[1] too
        assert len(repository.log_entries(s, 1)) == length


def test_a_look_up_that_only_reads_gives_each_election_as_stored(ballot_env: BallotEnv) -> None:
    """Without a lock the look-up reads raw rows on PostgreSQL: every column of the election
    must come back as the ORM loads it, and an election the session holds is its own."""
    from ballotbox.services.token_lookup import find_token, find_tokens
    from ballotbox.storage.models import Election

    slug, tokens = ballot_env.make_election(tokens=3)
    ballot_env.make_election("other-2027", tokens=2)
    with ballot_env.read() as s:
        found = find_tokens(s, ballot_env.ctx, [(t, None) for t in tokens], lock=False)
    with ballot_env.read() as s:
        stored = repository.election_by_slug(s, slug)
        as_loaded = {c.name: getattr(stored, c.name) for c in Election.__table__.columns}  # type: ignore[attr-defined]
    elections = {id(m.election) for m in found if not isinstance(m, Exception)}
    assert len(elections) == 1  # one object for the tokens of one election
    for match in found:
        assert not isinstance(match, Exception)
        got = {name: getattr(match.election, name) for name in as_loaded}
        assert got == as_loaded
        assert match.row.election_id == stored.id and match.row.state == "unused"
    with ballot_env.read() as s:
        held = repository.election_by_slug(s, slug)
        election, _row = find_token(s, ballot_env.ctx, tokens[0], lock=False)
        assert election is held
