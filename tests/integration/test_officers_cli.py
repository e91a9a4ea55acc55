"""``ballotbox officers …``: accounts with one-time codes, reset by the returning officer."""

from __future__ import annotations

import pyotp
import pytest
from sqlmodel import select

from ballotbox.services import accounts
from ballotbox.services.postal.errors import LoginError
from ballotbox.storage.models_actions import OfficerAction
from tests.fixtures.cli import run_cli
from tests.fixtures.elections import BallotEnv

PASSWORD = "the officer's passphrase"  # noqa: S105


def _uri(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("otpauth://totp/"))


def _code(env: BallotEnv, uri: str) -> str:
    secret = pyotp.parse_uri(uri).secret
    assert isinstance(secret, str)
    return pyotp.TOTP(secret).at(env.clock.now())


def test_add_prints_a_uri_whose_codes_sign_in_and_reset_totp_replaces_it(
    ballot_env: BallotEnv,
) -> None:
    env = ballot_env
    added = run_cli(
        env, "officers", "add", "Ann", "--role", "returning-officer", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "Created ann (returning officer)" in added.stdout
    first = _uri(added.stdout)
    with env.session() as s:
        ann = accounts.authenticate(s, env.ctx, "ann", PASSWORD, code=_code(env, first))
        assert ann.role == "officer"
        accounts.start_session(s, env.ctx, ann)
    listed = run_cli(env, "officers", "list")
    assert "ann" in listed.stdout and "returning officer" in listed.stdout
    assert "yes" in listed.stdout  # one-time codes on

    reset = run_cli(env, "officers", "reset-totp", "ann")
    assert reset.returncode == 0, reset.stderr
    second = _uri(reset.stdout)
    assert pyotp.parse_uri(second).secret != pyotp.parse_uri(first).secret
    env.clock.advance(accounts.LOCKOUT)  # a later step, so a fresh code
    with env.session() as s, pytest.raises(LoginError):
        accounts.authenticate(s, env.ctx, "ann", PASSWORD, code=_code(env, first))
    with env.session() as s:
        assert accounts.authenticate(s, env.ctx, "ann", PASSWORD, code=_code(env, second))
        accounts.start_session(s, env.ctx, accounts.account_named(s, "ann"))
    revoked = run_cli(env, "officers", "revoke-sessions", "ann")
    assert "Signed ann out of 1 session(s)." in revoked.stdout
    with env.read() as s:
        logged = [(e.actor, e.action) for e in s.exec(select(OfficerAction)).all()]
    assert logged == [
        ("command line", "account_created"),
        ("command line", "one_time_codes_reset"),
        ("command line", "sessions_revoked"),
    ]


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (["add", "bob", "--role", "mayor", "--password-stdin"], PASSWORD + "\n", "unknown role"),
        (["add", "bob", "--password-stdin"], "short\n", "at least 10 characters"),
        (["add", "bob", "--password-stdin"], "", "nothing was read"),
        (["reset-totp", "nobody"], None, "There is no account called “nobody”"),
        (["revoke-sessions", "nobody"], None, "There is no account called “nobody”"),
    ],
)
def test_bad_input_is_one_clear_line_and_changes_nothing(
    ballot_env: BallotEnv, args: list[str], stdin: str | None, words: str
) -> None:
    done = run_cli(ballot_env, "officers", *args, stdin=stdin)
    assert done.returncode != 0
    assert words in done.stderr and "Traceback" not in done.stderr
    with ballot_env.read() as s:
        assert s.exec(select(OfficerAction)).all() == []
