"""Anonymity, tested: nothing stored or logged links a voter, source or time to a vote."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import DateTime, Integer, inspect

from ballotbox.app import create_app
from ballotbox.services.casting import cast
from ballotbox.storage import repository
from ballotbox.storage.models import Ballot, BallotToken
from tests.fixtures.elections import BallotEnv


def test_ballot_rows_hold_no_time_sequence_or_voter() -> None:
    columns = {c.name: c for c in inspect(Ballot).columns}
    assert set(columns) == {"token_hash", "election_id", "token", "channel", "choices"}
    assert not any(isinstance(c.type, DateTime) for c in columns.values())
    primary = [c.name for c in inspect(Ballot).primary_key]
    assert primary == ["token_hash"]  # not an auto-increment number
    assert not isinstance(columns["token_hash"].type, Integer)


def test_sqlite_tables_have_no_rowid_to_betray_order(sqlite_env: BallotEnv) -> None:
    with sqlite_env.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type='table'")
        sql = {str(name): str(text) for name, text in rows.all()}
    assert "WITHOUT ROWID" in sql["ballot"]
    assert "WITHOUT ROWID" in sql["ballot_token"]


def test_ballots_are_listed_by_token_whatever_the_casting_order(ballot_env: BallotEnv) -> None:
    _slug, tokens = ballot_env.make_election(tokens=12)
    for token in reversed(tokens):
        with ballot_env.session() as s:
            cast(s, ballot_env.ctx, token, [1], "web")
    with ballot_env.read() as s:
        listed = [b.token for b in repository.ballots(s, 1)]
    assert listed == sorted(t.digits for t in tokens)


def test_the_database_file_never_holds_an_unspent_token(
    sqlite_env: BallotEnv, sqlite_url: str
) -> None:
    _slug, tokens = sqlite_env.make_election(tokens=40)
    for token in tokens[:10]:
        with sqlite_env.session() as s:
            cast(s, sqlite_env.ctx, token, [2, 1], "web")
    sqlite_env.engine.dispose()
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    with sqlite3.connect(path) as conn:  # fold the WAL in as well, then look again
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw += path.read_bytes()
    for token in tokens[10:]:
        assert token.digits.encode() not in raw
        assert token.grouped.encode() not in raw
    # Spent tokens are stored: the token → vote list is published after the close.
    assert tokens[0].digits.encode() in raw


def test_keys_live_outside_the_database(ballot_env: BallotEnv) -> None:
    slug, _tokens = ballot_env.make_election(tokens=1)
    key = ballot_env.ctx.keys.token_key(slug)
    with ballot_env.engine.connect() as conn:
        for table in ("election", "ballot_token", "log_entry", "chain_head", "candidate"):
            for row in conn.exec_driver_sql(f"SELECT * FROM {table}").all():  # noqa: S608
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        assert bytes(value) != key
                    elif isinstance(value, str):
                        assert key.hex() not in value


def test_no_token_or_choice_reaches_the_logs(
    ballot_env: BallotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=3)
    app = create_app(ballot_env.settings, ballot_env.ctx)  # sets ballotbox's level (INFO)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="ballotbox")  # every level, ballotbox's own too
    with TestClient(app) as client:
        client.get(f"/v/{tokens[0].digits}")
        client.post(
            "/api/v1/elections/test-2027/ballots",
            json={"token": tokens[0].digits, "choices": [4, 2]},
        )
        client.post(
            "/api/v1/elections/test-2027/ballots",
            json={"token": tokens[0].digits, "choices": [4, 2]},
        )
        client.post(
            "/api/v1/elections/test-2027/ballots", json={"token": tokens[1].digits, "choices": [9]}
        )
    # The test's own HTTP client logs its requests; everything the server side logs must be clean.
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    for token in tokens:
        assert token.digits not in text and token.digits[:10] not in text
    assert "[4, 2]" not in text and "4, 2" not in text


def test_the_server_writes_no_access_log_with_tokens_or_addresses(
    sqlite_env: BallotEnv,
    live_server,
    sqlite_url: str,
) -> None:
    now = datetime.now(UTC)
    sqlite_env.clock.set(now)
    _slug, tokens = sqlite_env.make_election(
        tokens=2, opens=now - timedelta(hours=1), closes=now + timedelta(days=1)
    )
    server = live_server(database_url=sqlite_url, key_dir=sqlite_env.settings.key_dir)
    httpx.get(f"{server.url}/v/{tokens[0].digits}")
    httpx.post(
        f"{server.url}/api/v1/elections/test-2027/ballots",
        json={"token": tokens[0].digits, "choices": [1]},
    )
    groups = tokens[1].grouped.split()
    httpx.get(f"{server.url}/v/{tokens[1].grouped}")  # sent as %20
    httpx.get(f"{server.url}/v/{'+'.join(groups)}?again={'+'.join(groups)}")
    output = server.output(400)
    assert tokens[0].digits not in output
    for joined in ("%20".join(groups[1:3]), "+".join(groups[1:3]), "".join(groups[1:3])):
        assert joined not in output, output
    assert "127.0.0.1:" not in output.replace(f"127.0.0.1:{server.port}", "")
    assert "GET /v/[token]" in output  # the access log is on in this server, and redacted


def test_the_token_table_stores_only_keyed_hashes_and_state() -> None:
    assert {c.name for c in inspect(BallotToken).columns} == {"token_hash", "election_id", "state"}
    assert inspect(BallotToken).primary_key[0].name == "token_hash"


@pytest.mark.postgres
def test_after_the_count_postgres_rows_no_longer_stand_in_casting_order(
    postgres_url: str, tmp_path: Path
) -> None:
    from ballotbox.services import elections, tally
    from tests.fixtures.elections import CLOSES, build_env

    env = build_env(postgres_url, tmp_path / "keys")
    try:
        slug, tokens = env.make_election(tokens=30)
        voted = sorted(tokens[:20], key=lambda t: t.digits, reverse=True)  # cast in reverse order
        for token in voted:
            with env.session() as s:
                cast(s, env.ctx, token, [1], "web")

        def physical_order() -> list[str]:
            with env.engine.connect() as conn:
                return [
                    r[0] for r in conn.exec_driver_sql("SELECT token FROM ballot ORDER BY ctid")
                ]

        assert physical_order() == [t.digits for t in voted]  # during the poll: casting order
        env.clock.set(CLOSES)
        with env.session() as s:
            elections.apply_all_due(s, env.ctx)
        with env.session() as s:
            tally.tally(s, env.ctx, repository.election_by_slug(s, slug))
        by_hash = [b.token for b in sorted(_ballots(env), key=lambda b: b.token_hash)]
        assert physical_order() == by_hash  # after the count: key order, nothing else
    finally:
        env.engine.dispose()


def _ballots(env: BallotEnv) -> list[Ballot]:
    from sqlmodel import select

    with env.read() as s:
        return list(s.exec(select(Ballot)).all())


def test_the_shared_guard_tables_hold_no_number_address_sid_or_token(
    ballot_env: BallotEnv,
) -> None:
    from sqlalchemy import text

    from ballotbox.adapters.phone.simulator import call
    from ballotbox.adapters.sms.simulator import new_sid, send
    from ballotbox.storage.models_guards import GuardCount, GuardReply
    from tests.fixtures.twilio import AUTH, client_for

    assert {c.name for c in GuardCount.__table__.columns} == {"key", "expires", "count"}  # type: ignore[attr-defined]
    assert {c.name for c in GuardReply.__table__.columns} == {"key", "expires", "sealed"}  # type: ignore[attr-defined]
    _slug, tokens = ballot_env.make_election(tokens=3)
    number, caller, address, sid = "+447700900777", "+447700900888", "203.0.113.77", new_sid()
    with client_for(ballot_env, trusted_proxies="127.0.0.1") as client:
        send(client, f"{tokens[0].grouped} 1 2", auth_token=AUTH, sender=number, message_sid=sid)
        send(client, "4821 0937 5512 8840 3316", auth_token=AUTH, sender=number)
        send(client, f"{tokens[0].grouped} 1", auth_token=AUTH, sender=number)
        call(client, "000000000000000000" + "00#", auth_token=AUTH, caller=caller)
        client.post(
            "/api/v1/elections/test-2027/ballots",
            json={"token": tokens[0].digits, "choices": [1]},
            headers={"x-forwarded-for": address},
        )
        guard = client.app.state.guard  # type: ignore[attr-defined]
    with ballot_env.engine.connect() as conn:
        rows = [r for t in ("guard_count", "guard_reply")
                for r in conn.execute(text(f"SELECT * FROM {t}")).all()]  # noqa: S608  # fmt: skip
    assert len(rows) >= 4
    values = [bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode()
              for row in rows for v in row]  # fmt: skip
    blob = b"\n".join(values)
    for needle in (number, number.lstrip("+"), caller.lstrip("+"), address, sid,
                   tokens[0].digits, tokens[0].grouped, "Vote recorded"):  # fmt: skip
        assert needle.encode() not in blob, needle
    ballot_env.clock.advance(timedelta(minutes=31))
    with ballot_env.session() as s:
        guard.prune(s)
    with ballot_env.engine.connect() as conn:
        for table in ("guard_count", "guard_reply"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0  # noqa: S608
