"""Backups hold every committed ballot, and a restore that loses votes is never silent.

The whole story runs through the real programs on both databases: an observer
saves the checkpoints the audit page serves, the officer restores a backup
taken before them, the restored database refuses votes and the close until
the officer records why the loss is accepted, the ballot is finished and
published, and ``ballotbox-verify --checkpoint`` names the checkpoint the
published log no longer extends.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ballotbox.app import create_app
from ballotbox.core.errors import ChainBehindError, VotingPausedError
from ballotbox.services import checkpoints, continuity, elections, publishing, tally
from ballotbox.services.casting import cast
from ballotbox.storage import repository
from ballotbox.storage.models import Ballot
from ballotbox.storage.witness import Witness, record
from tests.fixtures.cli import one_error_line, run, settings_env
from tests.fixtures.elections import BallotEnv


def _ballots(env: BallotEnv) -> set[str]:
    with env.read() as s:
        return {b.token for b in s.exec(select(Ballot)).all()}


def _save_checkpoints(env: BallotEnv, slug: str, path: Path) -> dict[str, Any]:
    """Sign a checkpoint now and save what the live audit page serves, as an observer would."""
    with env.session() as s:
        checkpoints.checkpoint_now(s, env.ctx, repository.election_by_slug(s, slug))
    app = create_app(env.settings, env.ctx)  # no lifespan: no clock loop left holding a session
    response = TestClient(app).get(f"/elections/{slug}/audit/checkpoints.json")
    app.state.engine.dispose()  # the restore refuses while anything else is connected
    assert response.status_code == 200
    path.write_bytes(response.content)
    body: dict[str, Any] = response.json()[-1]["body"]
    return body


def _open_now(env: BallotEnv, **kw: int) -> tuple[str, list[Any]]:
    now = datetime.now(UTC).replace(microsecond=0)
    env.clock.set(now)
    return env.make_election(
        tokens=kw.get("tokens", 12),
        opens=now - timedelta(hours=1),
        closes=now + timedelta(days=1),
    )


def test_a_restore_behind_a_saved_checkpoint_is_held_until_overridden_and_the_verifier_names_it(
    ballot_env: BallotEnv, database_url: str, tmp_path: Path
) -> None:
    env = ballot_env
    cli_env = settings_env(database_url, env.settings.key_dir)
    slug, tokens = _open_now(env)
    for token in tokens[:3]:
        with env.session() as s:
            cast(s, env.ctx, token, [1, 2], "web")
    _save_checkpoints(env, slug, tmp_path / "early.json")
    env.engine.dispose()
    done = run("ballotbox", "backup", str(tmp_path / "before.bak"), env=cli_env)
    assert done.returncode == 0, done.stderr
    assert "3 ballots" in done.stdout and "Not in this file: the key directory" in done.stdout

    for token in tokens[3:6]:
        with env.session() as s:
            cast(s, env.ctx, token, [2, 1], "sms")
    late = _save_checkpoints(env, slug, tmp_path / "late.json")
    assert late["ballots"] == 6
    env.engine.dispose()

    refused = run("ballotbox", "restore", str(tmp_path / "before.bak"), env=cli_env)
    one_error_line(refused, 2, "--yes")
    assert len(_ballots(env)) == 6  # nothing changed
    env.engine.dispose()
    done = run("ballotbox", "restore", str(tmp_path / "before.bak"), "--yes", env=cli_env)
    assert done.returncode == 0, done.stderr
    assert f"{slug} is on hold" in done.stdout
    assert _ballots(env) == {t.digits for t in tokens[:3]}

    # The three acknowledged votes are gone; their tokens must not simply vote again.
    with pytest.raises(VotingPausedError), env.session() as s:
        cast(s, env.ctx, tokens[3], [1], "web")
    with pytest.raises(ChainBehindError), env.session() as s:
        elections.close_now(s, env.ctx, repository.election_by_slug(s, slug))
    env.engine.dispose()
    blank = run("ballotbox", "election", "override-restore", slug, "--reason", " ", env=cli_env)
    one_error_line(blank, 2, "reason")
    done = run(
        "ballotbox", "election", "override-restore", slug,
        "--reason", "server disk lost; newest backup restored", env=cli_env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    env.clock.set(datetime.now(UTC))
    for token in (tokens[3], tokens[6]):
        with env.session() as s:
            cast(s, env.ctx, token, [1], "web")
    env.clock.advance(timedelta(days=2))
    with env.session() as s:
        elections.apply_all_due(s, env.ctx)
    with env.session() as s:
        tally.tally(s, env.ctx, repository.election_by_slug(s, slug))
    with env.session() as s:
        publishing.publish(s, env.ctx, repository.election_by_slug(s, slug), tmp_path / "bundle")

    log = [
        json.loads(line) for line in (tmp_path / "bundle" / "log.jsonl").read_text().splitlines()
    ]
    restored = [e["payload"] for e in log if e["payload"]["kind"] == "restored"]
    assert restored and restored[0]["reason"] == "server disk lost; newest backup restored"

    bundle = str(tmp_path / "bundle.zip")
    assert run("ballotbox-verify", bundle, env={}).returncode == 0
    early = run("ballotbox-verify", bundle, "--checkpoint", str(tmp_path / "early.json"), env={})
    assert early.returncode == 0, early.stdout
    failed = run("ballotbox-verify", bundle, "--checkpoint", str(tmp_path / "late.json"), env={})
    assert failed.returncode == 1
    named = f"late.json, checkpoint 2 (entry {late['position']}, 6 ballots, signed {late['time']})"
    assert named in failed.stdout, failed.stdout
    assert "does not extend this checkpoint" in failed.stdout
    assert "server disk lost" in failed.stdout  # the officer's reason, quoted from the log


def test_a_database_restored_behind_the_witness_refuses_to_open_until_a_newer_one_is_restored(
    ballot_env: BallotEnv, database_url: str, tmp_path: Path
) -> None:
    env = ballot_env
    cli_env = settings_env(database_url, env.settings.key_dir)
    slug, _ = env.make_election(tokens=4, open_=False)
    env.engine.dispose()
    assert run("ballotbox", "backup", str(tmp_path / "draft.bak"), env=cli_env).returncode == 0
    env.clock.set(env.clock.now() + timedelta(days=5))
    with env.session() as s:
        elections.open_now(s, env.ctx, repository.election_by_slug(s, slug))
    env.engine.dispose()
    assert run("ballotbox", "backup", str(tmp_path / "open.bak"), env=cli_env).returncode == 0

    assert (
        run("ballotbox", "restore", str(tmp_path / "draft.bak"), "--yes", env=cli_env).returncode
        == 0
    )
    with pytest.raises(ChainBehindError), env.session() as s:
        elections.open_now(s, env.ctx, repository.election_by_slug(s, slug))
    with env.session() as s:  # the clock's automatic opening waits too
        elections.apply_all_due(s, env.ctx)
    with env.read() as s:
        assert repository.election_by_slug(s, slug).state == "draft"
    env.engine.dispose()
    done = run("ballotbox", "restore", str(tmp_path / "open.bak"), "--yes", env=cli_env)
    assert done.returncode == 0 and "reaches every head seen here" in done.stdout, done.stdout


def _count_ballots(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM ballot").fetchone()[0])
        except sqlite3.OperationalError:  # no such table
            return 0


def test_a_backup_taken_mid_poll_holds_every_ballot_still_in_the_wal(
    sqlite_env: BallotEnv, sqlite_url: str, tmp_path: Path
) -> None:
    env = sqlite_env
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    _slug, tokens = env.make_election(tokens=30)
    for token in tokens[:25]:
        with env.session() as s:
            cast(s, env.ctx, token, [1], "web")
    assert path.with_name(path.name + "-wal").stat().st_size > 0  # the ballots are in the WAL
    shutil.copy(path, tmp_path / "plain-copy.db")  # what a plain cp would have kept
    assert _count_ballots(tmp_path / "plain-copy.db") < 25  # (here: not even the tables)
    done = run(
        "ballotbox",
        "backup",
        str(tmp_path / "b.bak"),
        env=settings_env(sqlite_url, env.settings.key_dir),
    )
    assert done.returncode == 0, done.stderr
    assert "Taken while voting is open" in done.stdout
    assert _count_ballots(tmp_path / "b.bak") == 25
    with sqlite3.connect(tmp_path / "b.bak") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
    assert (tmp_path / "b.bak").stat().st_mode & 0o077 == 0  # readable by its owner only


def test_backup_and_restore_refuse_bad_files_in_one_line_and_change_nothing(
    ballot_env: BallotEnv, database_url: str, tmp_path: Path
) -> None:
    env = ballot_env
    cli_env = settings_env(database_url, env.settings.key_dir)
    _slug, tokens = env.make_election(tokens=3)
    with env.session() as s:
        cast(s, env.ctx, tokens[0], [1], "web")
    env.engine.dispose()
    (tmp_path / "exists.bak").write_text("x")
    one_error_line(
        run("ballotbox", "backup", str(tmp_path / "exists.bak"), env=cli_env), 2, "exists"
    )
    (tmp_path / "junk.bak").write_bytes(b"\x00junk" * 100)
    junk = run("ballotbox", "restore", str(tmp_path / "junk.bak"), "--yes", env=cli_env)
    one_error_line(junk, 2, "not a ballotbox backup")
    missing = run("ballotbox", "restore", str(tmp_path / "nope.bak"), "--yes", env=cli_env)
    one_error_line(missing, 2, "no such file")
    if database_url.startswith("sqlite"):
        (tmp_path / "other.bak").write_bytes(b"PGDMP" + bytes(100))
        wrong, other = "postgresql", "sqlite"
    else:
        with sqlite3.connect(tmp_path / "other.bak") as conn:
            conn.execute("CREATE TABLE t (x)")
        wrong, other = "sqlite", "postgresql"
    mixed = run("ballotbox", "restore", str(tmp_path / "other.bak"), "--yes", env=cli_env)
    one_error_line(mixed, 2, f"is a {wrong} backup but the database is {other}")
    assert _ballots(env) == {tokens[0].digits}


@pytest.mark.postgres
def test_two_hosts_whose_clocks_both_say_close_log_one_close(
    postgres_url: str, tmp_path: Path
) -> None:
    import threading

    from ballotbox.storage.db import transaction
    from tests.fixtures.elections import CLOSES, build_env

    env = build_env(postgres_url, tmp_path / "keys")
    try:
        slug, _ = env.make_election(tokens=2)
        env.clock.set(CLOSES + timedelta(seconds=1))
        first = transaction(env.engine)
        session = first.__enter__()
        elections.apply_all_due(session, env.ctx)  # host A closes, not yet committed

        def host_b() -> None:
            with transaction(env.engine) as other:
                elections.apply_all_due(other, env.ctx)

        b = threading.Thread(target=host_b)
        b.start()
        b.join(timeout=1.0)  # host B waits for A's lock rather than closing a second time
        first.__exit__(None, None, None)
        b.join(timeout=30)
        with env.read() as s:
            election = repository.election_by_slug(s, slug)
            assert election.id is not None
            kinds = [e.kind for e in repository.log_entries(s, election.id)]
        assert kinds.count("closed") == 1, kinds
    finally:
        env.engine.dispose()


def test_a_host_that_lost_its_witness_restores_with_the_observers_checkpoints(
    ballot_env: BallotEnv, database_url: str, tmp_path: Path
) -> None:
    env = ballot_env
    cli_env = settings_env(database_url, env.settings.key_dir)
    slug, tokens = _open_now(env)
    env.engine.dispose()
    assert run("ballotbox", "backup", str(tmp_path / "early.bak"), env=cli_env).returncode == 0
    for token in tokens[:4]:
        with env.session() as s:
            cast(s, env.ctx, token, [1], "web")
    _save_checkpoints(env, slug, tmp_path / "observer.json")
    env.engine.dispose()
    (env.settings.key_dir / slug / "witness.json").unlink()  # lost with the old server's disk

    blind = run("ballotbox", "restore", str(tmp_path / "early.bak"), "--yes", env=cli_env)
    assert blind.returncode == 0 and "reaches every head seen here" in blind.stdout, blind.stderr
    seen = run(
        "ballotbox", "restore", str(tmp_path / "early.bak"), "--yes",
        "--checkpoint", str(tmp_path / "observer.json"), env=cli_env,
    )  # fmt: skip
    assert seen.returncode == 0 and f"{slug} is on hold" in seen.stdout, seen.stdout + seen.stderr
    with pytest.raises(VotingPausedError), env.session() as s:
        cast(s, env.ctx, tokens[0], [1], "web")


def test_restore_at_a_terminal_asks_first_and_no_changes_nothing(
    ballot_env: BallotEnv, database_url: str, tmp_path: Path
) -> None:
    import os
    import subprocess

    from tests.fixtures.cli import BIN

    env = ballot_env
    _slug, tokens = env.make_election(tokens=3)
    env.engine.dispose()
    cli_env = settings_env(database_url, env.settings.key_dir)
    assert run("ballotbox", "backup", str(tmp_path / "b.bak"), env=cli_env).returncode == 0
    with env.session() as s:
        cast(s, env.ctx, tokens[0], [1], "web")
    env.engine.dispose()
    terminal, answer_end = os.openpty()
    process = subprocess.Popen(
        [str(BIN / "ballotbox"), "restore", str(tmp_path / "b.bak")],
        stdin=answer_end, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **cli_env},
    )  # fmt: skip
    os.write(terminal, b"n\n")
    out, err = process.communicate(timeout=120)
    os.close(terminal)
    os.close(answer_end)
    assert process.returncode == 1, out + err
    said = " ".join(out.split())
    assert "holds test-2027 (open, 0 ballots" in said and "Nothing was changed." in said
    assert _ballots(env) == {tokens[0].digits}


def test_the_witnessed_entry_is_compared_where_the_chain_has_grown_past_it(
    ballot_env: BallotEnv,
) -> None:
    """A chain longer than the witness is held only when its entry there differs (a fork)."""
    slug, tokens = _open_now(ballot_env, tokens=4)
    for token in tokens[:3]:
        with ballot_env.session() as s:
            cast(s, ballot_env.ctx, token, [1, 2], "web")
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, slug)
        assert election.id is not None
        entries = repository.log_entries(s, election.id)
        earlier = entries[-2]  # the chain has one entry past it
        folder = ballot_env.ctx.keys.folder(slug)
        record(folder, Witness(slug, earlier.position, earlier.entry_hash.hex()), replace=True)
        assert continuity.paused(s, ballot_env.ctx, election) is None
        forged = Witness(slug, earlier.position, "00" * 32)
        record(folder, forged, replace=True)
        assert isinstance(continuity.paused(s, ballot_env.ctx, election), VotingPausedError)
        beyond = Witness(slug, entries[-1].position + 5, entries[-1].entry_hash.hex())
        record(folder, beyond, replace=True)  # a database behind what this host saw
        assert isinstance(continuity.paused(s, ballot_env.ctx, election), VotingPausedError)
