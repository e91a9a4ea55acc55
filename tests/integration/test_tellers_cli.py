"""``ballotbox tellers reset-password``: a new password, the lockout lifted, old sign-ins ended."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from ballotbox.services import accounts
from ballotbox.services.postal.errors import AccountLockedError, LoginError
from ballotbox.storage.models_postal import TellerAction
from tests.fixtures.cli import run_cli
from tests.fixtures.elections import BallotEnv
from tests.unit.postal.support import PASSWORD, add_tellers, teller_named

NEW = "a brand new passphrase"


@pytest.fixture
def env(ballot_env: BallotEnv) -> BallotEnv:
    add_tellers(ballot_env, ann="teller", bob="supervisor")
    return ballot_env


def _lock_out(env: BallotEnv, name: str) -> None:
    for _ in range(accounts.MAX_FAILURES - 1):
        with env.session() as s, pytest.raises(LoginError):
            accounts.authenticate(s, env.ctx, name, "not the password")
    with env.session() as s, pytest.raises(AccountLockedError):
        accounts.authenticate(s, env.ctx, name, "not the password")  # the last straw
    with env.session() as s, pytest.raises(AccountLockedError):
        accounts.authenticate(s, env.ctx, name, PASSWORD)  # now even the right one is refused


def test_reset_sets_the_password_unlocks_and_signs_out_everywhere(env: BallotEnv) -> None:
    with env.session() as s:
        sid = accounts.start_session(s, env.ctx, accounts.authenticate(s, env.ctx, "ann", PASSWORD))
    _lock_out(env, "ann")

    done = run_cli(env, "tellers", "reset-password", "ANN", "--password-stdin", stdin=NEW + "\n")

    assert done.returncode == 0, done.stderr
    assert "New password set for ann; 1 sign-in session(s) ended" in done.stdout
    with env.session() as s:
        assert accounts.teller_for_session(s, env.ctx, sid) is None  # the old sign-in is gone
        assert accounts.authenticate(s, env.ctx, "ann", NEW).username == "ann"  # not locked
    with env.session() as s, pytest.raises(LoginError):
        accounts.authenticate(s, env.ctx, "ann", PASSWORD)
    with env.read() as s:
        ann = teller_named(s, "ann")
        logged = s.exec(
            select(TellerAction.action, TellerAction.detail)
            .where(TellerAction.teller_id == ann.id)
            .order_by(col(TellerAction.id))
        ).all()
    assert ("password_set", "by the returning officer (CLI)") in logged
    assert all(NEW not in detail and PASSWORD not in detail for _action, detail in logged)


@pytest.mark.parametrize(
    ("args", "stdin", "words", "code"),
    [
        (["nobody", "--password-stdin"], NEW + "\n", "There is no teller called “nobody”", 2),
        (["bob", "--password-stdin"], "too short\n", "at least 10 characters", 2),
        (["bob", "--password-stdin"], "\n", "nothing was read from standard input", 2),
    ],
)
def test_a_refused_reset_changes_nothing_and_says_why_in_one_line(
    env: BallotEnv, args: list[str], stdin: str, words: str, code: int
) -> None:
    done = run_cli(env, "tellers", "reset-password", *args, stdin=stdin)

    assert done.returncode == code
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], done.stderr
    with env.session() as s:
        assert accounts.authenticate(s, env.ctx, "bob", PASSWORD).username == "bob"


def test_reset_password_is_documented_with_an_example(env: BallotEnv) -> None:
    shown = run_cli(env, "tellers", "reset-password", "--help").stdout.replace("\n", " ")
    assert "Example: ballotbox tellers reset-password" in shown and "--password-stdin" in shown
