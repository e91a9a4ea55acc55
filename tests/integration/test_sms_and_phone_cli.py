"""``ballotbox sms send`` and ``ballotbox phone call`` against a real server process over HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select
from typer.testing import CliRunner

from ballotbox.cli import app
from ballotbox.storage.models import Ballot
from tests.fixtures.elections import build_env
from tests.fixtures.servers import LiveServerFactory

AUTH = "f00dfacef00dfacef00dfacef00dface"
FAR = datetime(2099, 1, 1, tzinfo=UTC)  # the server runs on the real clock


def test_the_simulators_vote_through_a_running_server(
    live_server: LiveServerFactory, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = build_env(url, tmp_path / "keys")
    _slug, tokens = env.make_election(tokens=3, closes=FAR)
    env.engine.dispose()
    server = live_server(database_url=url, key_dir=tmp_path / "keys",
                         env={"BALLOTBOX_TWILIO_AUTH_TOKEN": AUTH})  # fmt: skip
    runner = CliRunner()
    auth = ["--auth-token", AUTH]
    sent = runner.invoke(app, ["sms", "send", "--to-server", server.url, "--from", "+447700900123",
                               *auth, f"{tokens[0].grouped} 3 1 2"])  # fmt: skip
    assert sent.exit_code == 0, sent.output
    assert (
        "Vote recorded" in sent.output
        and "1 Cy Twombly, 2 Ann Example, 3 Bob Builder" in sent.output
    )
    rung = runner.invoke(
        app, ["phone", "call", server.url, *auth, "--keys", f"{tokens[1].digits}#2#4##1"]
    )
    assert rung.exit_code == 0, rung.output
    assert (
        "» Your vote has been recorded. Thank you." in rung.output and "(call ended)" in rung.output
    )
    # Interactive: keys come from the terminal, one entry per line.
    typed = runner.invoke(app, ["phone", "call", server.url, *auth],
                          input=f"{tokens[2].digits}#\n1\n\n1\n")  # fmt: skip
    assert typed.exit_code == 0 and "Your vote has been recorded" in typed.output, typed.output
    wrong = runner.invoke(
        app, ["sms", "send", "--to-server", server.url, "--auth-token", "0" * 32, "HELP"]
    )
    assert wrong.exit_code == 1 and "HTTP 403" in wrong.output
    env = build_env(url, tmp_path / "keys")
    with env.read() as s:
        stored = sorted((b.channel, json.loads(b.choices)) for b in s.exec(select(Ballot)))
    env.engine.dispose()
    assert stored == [("phone", [1]), ("phone", [2, 4]), ("sms", [3, 1, 2])]
