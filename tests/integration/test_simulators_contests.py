"""``ballotbox sms send`` and ``ballotbox phone call`` for a ballot of three contests, over HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select
from typer.testing import CliRunner

from ballotbox.cli import app
from ballotbox.storage.models import Ballot
from tests.fixtures.contest_ballots import make_three_contest_ballot
from tests.fixtures.elections import build_env
from tests.fixtures.servers import LiveServerFactory

AUTH = "f00dfacef00dfacef00dfacef00dface"
FAR = datetime(2099, 1, 1, tzinfo=UTC)  # the server runs on the real clock


def test_the_simulators_vote_in_every_contest_through_a_running_server(
    live_server: LiveServerFactory, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = build_env(url, tmp_path / "keys")
    _slug, tokens = make_three_contest_ballot(env, tokens=3, closes=FAR)
    env.engine.dispose()
    server = live_server(database_url=url, key_dir=tmp_path / "keys",
                         env={"BALLOTBOX_TWILIO_AUTH_TOKEN": AUTH})  # fmt: skip
    runner = CliRunner()
    auth = ["--auth-token", AUTH]
    sms = ["sms", "send", "--to-server", server.url, *auth]
    asked = runner.invoke(app, [*sms, tokens[0].grouped])
    assert asked.exit_code == 0, asked.output
    assert "A: Executive committee" in asked.output and "C: Motion 1" in asked.output
    sent = runner.invoke(app, [*sms, f"{tokens[0].grouped} A 3 1 2 B 2 C YES"])
    assert sent.exit_code == 0, sent.output
    assert "A: 1 Cy Twombly, 2 Ann Example, 3 Bob Builder. B: 1 Mo Farah. C: Yes." in sent.output
    rung = runner.invoke(
        app, ["phone", "call", server.url, *auth, "--keys", f"{tokens[1].digits}#3#1##*#1#1"]
    )
    assert rung.exit_code == 0, rung.output
    assert "» Contest B, Chair. Left blank." in rung.output
    assert "» Your vote has been recorded. Thank you." in rung.output
    # Interactive: one entry per line; * skips a contest, Enter alone is # alone.
    typed = runner.invoke(app, ["phone", "call", server.url, *auth],
                          input=f"{tokens[2].digits}\n*\n1\n\n2\n1\n")  # fmt: skip
    assert typed.exit_code == 0 and "Your vote has been recorded" in typed.output, typed.output
    env = build_env(url, tmp_path / "keys")
    with env.read() as s:
        stored = [(b.channel, json.loads(b.choices)) for b in s.exec(select(Ballot))]
    env.engine.dispose()
    expected = [
        ("phone", {"A": [], "B": [1], "C": [2]}),
        ("phone", {"A": [3, 1], "B": [], "C": [1]}),
        ("sms", {"A": [3, 1, 2], "B": [2], "C": [1]}),
    ]
    assert sorted(stored, key=repr) == sorted(expected, key=repr)
