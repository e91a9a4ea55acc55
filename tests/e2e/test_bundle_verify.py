"""End to end: a demo-like slate election voted through the live web pages and the JSON API,
closed, counted and published with the ``ballotbox`` command, then checked by ``ballotbox-verify``
in a separate process, with a receipt from a real cast.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from ballotbox.services import elections
from ballotbox.storage import repository
from tests.conftest import REPO
from tests.fixtures.elections import BallotEnv

BIN = Path(sys.executable).parent


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def vote_on_the_pages(client: httpx.Client, token: str, ranks: list[int]) -> str:
    """Type the token, rank, review, cast: as a member would; returns the receipt page."""
    client.get("/")
    form = {"csrf_token": client.cookies["bb_csrf"]}
    page = client.post("/ballot", data={**form, "token": token})
    assert page.status_code == 200, page.text
    marks = {f"rank_{n}": str(i) for i, n in enumerate(ranks, start=1)}
    review = client.post("/ballot/review", data={**form, "token": token, **marks})
    assert review.status_code == 200, review.text
    choices = " ".join(map(str, ranks))
    done = client.post("/ballot/cast", data={**form, "token": token, "choices": choices})
    assert done.status_code == 201, done.text
    return done.text


def test_a_published_election_verifies_in_a_separate_process(
    ballot_env: BallotEnv, live_server: Callable[..., Any], tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    ballot_env.clock.set(now - timedelta(minutes=5))
    slug, tokens = ballot_env.make_election(
        "slate-e2e", tokens=40, candidates=8, seats=3, open_=False,
        opens=now - timedelta(minutes=1), closes=now + timedelta(hours=2),
    )  # fmt: skip
    ballot_env.clock.set(now)
    with ballot_env.session() as s:
        elections.open_now(s, ballot_env.ctx, repository.election_by_slug(s, slug))
    server = live_server(
        database_url=ballot_env.settings.database_url, key_dir=ballot_env.settings.key_dir
    )
    rng = random.Random(2027)
    receipt: dict[str, Any] | None = None
    with httpx.Client(base_url=server.url, headers={"accept": "text/html"}) as web:
        for token in tokens[:4]:
            page = vote_on_the_pages(web, token.grouped, rng.sample(range(1, 9), 3))
            assert "Your vote has been recorded" in page
    with httpx.Client(base_url=server.url) as api:
        for i, token in enumerate(tokens[4:30]):
            ranks = rng.sample(range(1, 9), rng.randint(1, 6))
            answer = api.post(
                f"/api/v1/elections/{slug}/ballots", json={"token": token.digits, "choices": ranks}
            )
            assert answer.status_code == 201, answer.text
            if i == 7:
                receipt = answer.json()["receipt"]
        assert (
            api.post(
                f"/api/v1/elections/{slug}/ballots",
                json={"token": tokens[4].digits, "choices": [1]},
            ).status_code
            == 409
        )
    assert receipt is not None
    (tmp_path / "receipt.json").write_text(json.dumps(receipt))

    env = {
        **os.environ,
        "BALLOTBOX_DATABASE_URL": ballot_env.settings.database_url,
        "BALLOTBOX_KEY_DIR": str(ballot_env.settings.key_dir),
    }
    for command in (
        ["election", "close", slug],
        ["tally", slug],
        ["checkpoint", slug],
        ["publish", slug, "--out", str(tmp_path / "bundle")],
    ):
        done = run([str(BIN / "ballotbox"), *command], env)
        assert done.returncode == 0, f"ballotbox {' '.join(command)}: {done.stderr}{done.stdout}"
    assert "Published" in done.stdout

    again = run([str(BIN / "ballotbox"), "publish", slug, "--out", str(tmp_path / "bundle")], env)
    assert again.returncode == 1 and "already published" in again.stderr
    fresh = run([str(BIN / "ballotbox"), "publish", slug, "--out", str(tmp_path / "other")], env)
    assert fresh.returncode == 1 and not (tmp_path / "other").exists()

    verify = run(
        [
            str(BIN / "ballotbox-verify"),
            str(tmp_path / "bundle.zip"),
            "--receipt",
            str(tmp_path / "receipt.json"),
        ],
        env,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "OK: all 13 checks hold." in verify.stdout
    lines = (tmp_path / "bundle" / "ballots.csv").read_text().splitlines()
    assert lines[0] == "token,channel,choices" and len(lines) == 31
    # The live site serves the same zip the officer published.
    zipped = httpx.get(f"{server.url}/elections/{slug}/bundle.zip")
    assert zipped.content == (tmp_path / "bundle.zip").read_bytes()
