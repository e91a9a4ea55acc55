"""Checkpoints on a real database: signed at the close, at intervals while open, on demand."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from ballotbox.core.audit.chain import heads
from ballotbox.core.audit.receipts import open_checkpoint
from ballotbox.core.errors import LifecycleError
from ballotbox.services import checkpoints, elections
from ballotbox.services.casting import cast
from ballotbox.storage import repository
from tests.fixtures.elections import BallotEnv


def _log_heads(env: BallotEnv, slug: str) -> list[bytes]:
    with env.read() as s:
        election = repository.election_by_slug(s, slug)
        assert election.id is not None
        return heads([json.loads(e.payload) for e in repository.log_entries(s, election.id)])


def _stored(env: BallotEnv, slug: str) -> list[dict[str, Any]]:
    with env.read() as s:
        return checkpoints.envelopes(s, repository.election_by_slug(s, slug))


def test_closing_signs_the_final_head_right_after_the_closed_entry(ballot_env: BallotEnv) -> None:
    slug, tokens = ballot_env.make_election(tokens=4)
    with ballot_env.session() as s:
        cast(s, ballot_env.ctx, tokens[0], [1, 2], "web")
        cast(s, ballot_env.ctx, tokens[1], [2], "sms")
    with ballot_env.session() as s:
        elections.close_now(s, ballot_env.ctx, repository.election_by_slug(s, slug))
    stored = _stored(ballot_env, slug)
    log_heads = _log_heads(ballot_env, slug)
    last = stored[-1]
    key = ballot_env.ctx.keys.signing_key(slug).verify_key
    body = open_checkpoint(key, last)
    assert body is not None, "the checkpoint's signature must hold"
    assert body["position"] == len(log_heads) - 1  # the closed entry
    assert body["head"] == log_heads[-1].hex()
    assert body["ballots"] == 2 and body["election"] == slug
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, slug)
        assert election.id is not None
        closed = repository.lifecycle_entry(s, election.id, "closed")
    assert closed is not None and closed.position == body["position"]


def test_the_background_sweep_signs_after_n_entries_or_t_minutes(ballot_env: BallotEnv) -> None:
    ballot_env.settings.checkpoint_every_entries = 3
    ballot_env.settings.checkpoint_every_minutes = 30
    slug, tokens = ballot_env.make_election(tokens=8)
    ctx = ballot_env.ctx
    with ballot_env.session() as s:
        assert checkpoints.sign_due(s, ctx) == [slug]  # none yet: the first one is due at once
    with ballot_env.session() as s:
        assert checkpoints.sign_due(s, ctx) == []  # nothing new to sign
        cast(s, ctx, tokens[0], [1], "web")
    with ballot_env.session() as s:
        assert checkpoints.sign_due(s, ctx) == []  # one entry, no time passed
        cast(s, ctx, tokens[1], [2], "web")
        cast(s, ctx, tokens[2], [3], "web")
    with ballot_env.session() as s:
        assert checkpoints.sign_due(s, ctx) == [slug]  # three new entries
        cast(s, ctx, tokens[3], [4], "web")
    ballot_env.clock.advance(timedelta(minutes=31))
    with ballot_env.session() as s:
        assert checkpoints.sign_due(s, ctx) == [slug]  # one entry, but half an hour on
    stored = _stored(ballot_env, slug)
    log_heads = _log_heads(ballot_env, slug)
    key = ctx.keys.signing_key(slug).verify_key
    assert [c["body"]["ballots"] for c in stored] == [0, 3, 4]
    for checkpoint in stored:
        body = open_checkpoint(key, checkpoint)
        assert body is not None and body["head"] == log_heads[body["position"]].hex()
        # It signs a head and a count, nothing about any token or choice.
        assert set(body) == {"election", "position", "head", "ballots", "time"}


def test_the_officer_can_checkpoint_an_open_election_but_not_a_draft(ballot_env: BallotEnv) -> None:
    slug, _ = ballot_env.make_election(tokens=2)
    draft, _ = ballot_env.make_election("draft-2027", tokens=2, open_=False)
    with ballot_env.session() as s:
        first = checkpoints.checkpoint_now(s, ballot_env.ctx, repository.election_by_slug(s, slug))
        again = checkpoints.checkpoint_now(s, ballot_env.ctx, repository.election_by_slug(s, slug))
    assert again.position == first.position  # nothing new: no second checkpoint of one head
    assert len(_stored(ballot_env, slug)) == 1
    with pytest.raises(LifecycleError), ballot_env.session() as s:
        checkpoints.checkpoint_now(s, ballot_env.ctx, repository.election_by_slug(s, draft))
