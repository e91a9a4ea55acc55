"""After the close, nothing in storage shows the order in which ballots were cast.

SQLite: the raw pages of the file are read back (the ``dbstat`` table says which
pages belong to which table or index) and the position of every ballot's cell
is compared with the order of casting and with the order of the keyed hashes.
PostgreSQL: the same through ``ctid``, the physical address of each row.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import select

from ballotbox.core.tokens.format import Token
from ballotbox.services import elections, publishing, tally
from ballotbox.services.casting import cast
from ballotbox.storage import repository
from ballotbox.storage.models import Ballot
from tests.fixtures.elections import CLOSES, BallotEnv, build_env

BALLOTS = 120  # several leaf pages per table


def cells_in_file_order(path: Path, name: str, needles: list[bytes]) -> list[bytes]:
    """The needles found in ``name``'s leaf pages, in the order they sit in the file.

    Pages in page-number order; within a page SQLite fills the cell area from
    the end towards the start, so a later cell sits at a lower offset.
    """
    with sqlite3.connect(path) as conn:
        pages = [
            row[0]
            for row in conn.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno",
                (name,),
            )
        ]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    raw = path.read_bytes()
    found = []
    for pageno in pages:
        page = raw[(pageno - 1) * page_size : pageno * page_size]
        for needle in needles:
            offset = page.find(needle)
            if offset >= 0:
                found.append(((pageno, -offset), needle))
    return [needle for _, needle in sorted(found)]


def concordance(physical: list[bytes], cast_order: list[bytes]) -> float:
    """The share of pairs that storage keeps in the order they were cast (0.5 = unrelated)."""
    position = {needle: i for i, needle in enumerate(cast_order)}
    ranks = [position[n] for n in physical]
    pairs = agree = 0
    for i, first in enumerate(ranks):
        for second in ranks[i + 1 :]:
            pairs += 1
            agree += first < second
    return agree / pairs


def _cast_shuffled(env: BallotEnv, count: int, seed: int) -> tuple[str, list[Token]]:
    slug, tokens = env.make_election(tokens=count + 20)
    voters = tokens[:count]
    random.Random(seed).shuffle(voters)
    for token in voters:
        with env.session() as s:
            cast(s, env.ctx, token, [1, 2], "web")
    return slug, voters


def _hashes(env: BallotEnv) -> dict[str, bytes]:
    with env.read() as s:
        return {b.token: bytes(b.token_hash) for b in s.exec(select(Ballot)).all()}


def _close(env: BallotEnv) -> None:
    env.clock.set(CLOSES)
    with env.session() as s:
        elections.apply_all_due(s, env.ctx)


def _assert_key_order(path: Path, voters: list[Token], hashes: dict[str, bytes]) -> None:
    by_token = [t.digits.encode() for t in voters]
    by_hash = [hashes[t.digits] for t in voters]
    structures = {
        "ballot": (by_token, sorted(by_token, key=lambda d: hashes[d.decode()])),
        "ballot_token": (by_hash, sorted(by_hash)),
        "ix_ballot_election": (by_hash, sorted(by_hash)),
        "ix_ballot_token_election_state": (by_hash, sorted(by_hash)),
    }
    for name, (cast_order, key_order) in structures.items():
        physical = cells_in_file_order(path, name, cast_order)
        assert len(physical) > len(voters) * 0.8, f"{name}: too few cells found on leaf pages"
        in_key_order = [needle for needle in key_order if needle in set(physical)]
        assert physical == in_key_order, f"{name}: cells are not in key (hash) order"
        assert 0.35 < concordance(physical, cast_order) < 0.65, name


def test_sqlite_pages_hold_ballots_in_hash_order_after_close_tally_and_publish(
    sqlite_env: BallotEnv, sqlite_url: str, tmp_path: Path
) -> None:
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    slug, voters = _cast_shuffled(sqlite_env, BALLOTS, seed=7)
    hashes = _hashes(sqlite_env)
    # During the poll a copy of the -wal file does show the order (docs/security.md says so):
    # each commit appends its pages, so a token first appears in the log when it was cast.
    wal = path.with_name(path.name + "-wal")
    log = wal.read_bytes()
    cast_order = [t.digits.encode() for t in voters]
    assert sorted(cast_order, key=log.find) == cast_order

    _close(sqlite_env)
    assert not wal.exists() or wal.stat().st_size == 0, "the close must empty the -wal file"
    _assert_key_order(path, voters, hashes)

    with sqlite_env.session() as s:
        tally.tally(s, sqlite_env.ctx, repository.election_by_slug(s, slug))
    with sqlite_env.session() as s:
        election = repository.election_by_slug(s, slug)
        publishing.publish(s, sqlite_env.ctx, election, tmp_path / "bundle")
    _assert_key_order(path, voters, hashes)


@pytest.mark.postgres
def test_postgres_rows_stand_in_hash_order_from_the_close(
    postgres_url: str, tmp_path: Path
) -> None:
    env = build_env(postgres_url, tmp_path / "keys")
    try:
        _slug, voters = _cast_shuffled(env, 40, seed=11)
        hashes = _hashes(env)

        def by_ctid(table: str, column: str) -> list[bytes]:
            with env.engine.connect() as conn:
                rows = conn.exec_driver_sql(f"SELECT {column} FROM {table} ORDER BY ctid")  # noqa: S608
                return [bytes(r[0]) if not isinstance(r[0], str) else r[0].encode() for r in rows]

        cast_order = [t.digits.encode() for t in voters]
        assert by_ctid("ballot", "token") == cast_order  # during the poll: casting order
        _close(env)
        assert by_ctid("ballot", "token") == sorted(cast_order, key=lambda d: hashes[d.decode()])
        token_rows = by_ctid("ballot_token", "token_hash")
        assert token_rows == sorted(token_rows)  # every token, voted or not, in hash order
    finally:
        env.engine.dispose()
