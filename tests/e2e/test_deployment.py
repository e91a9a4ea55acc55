"""The production start-up path, without containers, against a real PostgreSQL.

What the image and the systemd unit do on every app host: ``ballotbox init``
(here from two hosts at once, as two containers starting together would),
then ``ballotbox serve``.  Two app processes share one database and one key
directory, as two app hosts behind the proxy do; each answers its liveness and
readiness probes, each takes a cast, and a token spent on one is spent on the
other.  The readiness probe refuses while the database is unreachable or its
schema is old, so the proxy sends nobody to such a host.
"""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ballotbox.app import create_app
from ballotbox.config import Settings
from ballotbox.storage.models import Ballot
from tests.conftest import REPO
from tests.fixtures.cli import BIN
from tests.fixtures.elections import build_env
from tests.fixtures.pgserver import free_port
from tests.fixtures.servers import ServerProcess, start_server


def _example_env() -> dict[str, str]:
    """deploy/ballotbox.env.example, as an operator would copy it (uncommented lines)."""
    text = (REPO / "deploy" / "ballotbox.env.example").read_text()
    return dict(re.findall(r"^(BALLOTBOX_[A-Z_]+)=(.*)$", text, re.M))


@pytest.mark.postgres
def test_init_from_two_hosts_then_two_app_processes_each_take_a_cast(
    postgres_url: str, tmp_path: Path
) -> None:
    key_dir = tmp_path / "keys"
    env = {
        **os.environ,
        **_example_env(),
        "BALLOTBOX_DATABASE_URL": postgres_url,
        "BALLOTBOX_KEY_DIR": str(key_dir),
        "BALLOTBOX_SECURE_COOKIES": "false",
    }
    starting = [
        subprocess.Popen(
            [str(BIN / "ballotbox"), "init"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _host in range(2)
    ]
    for process in starting:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, out + err

    ballots = build_env(postgres_url, key_dir)
    servers: list[ServerProcess] = []
    try:
        ballots.clock.set(_now(0))
        slug, tokens = ballots.make_election(tokens=4, opens=_now(-1), closes=_now(24))
        for host in range(2):
            port = free_port()
            command = [str(BIN / "ballotbox"), "serve", "--host", "127.0.0.1", "--port", str(port)]
            servers.append(
                start_server(
                    command,
                    port=port,
                    env={**env, "BALLOTBOX_PUBLIC_URL": f"http://127.0.0.1:{port}"},
                    log_dir=tmp_path / f"host-{host}",
                    health_path="/readyz",
                    timeout=90,
                )
            )
        for server in servers:
            assert httpx.get(f"{server.url}/healthz").status_code == 200
            assert httpx.get(f"{server.url}/readyz").json() == {"status": "ready"}

        def cast(server: ServerProcess, token: str) -> int:
            url = f"{server.url}/api/v1/elections/{slug}/ballots"
            return httpx.post(url, json={"token": token, "choices": [1, 2]}, timeout=30).status_code

        first, second = servers
        assert cast(first, tokens[0].grouped) == 201
        assert cast(second, tokens[1].digits) == 201
        assert cast(second, tokens[0].digits) == 409  # spent on the other host
        with ballots.read() as s:
            assert len(s.exec(select(Ballot)).all()) == 2
    finally:
        for server in servers:
            server.stop()
        ballots.engine.dispose()


def _now(hours: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours)


def test_readiness_refuses_without_a_database_or_with_an_old_schema(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    cases = {
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2": "does not answer",
        f"sqlite:///{tmp_path / 'empty.db'}": "run ballotbox init",
    }
    for url, words in cases.items():
        settings = Settings(database_url=url, key_dir=tmp_path / "keys")
        with TestClient(create_app(settings)) as client:
            assert client.get("/healthz").status_code == 200  # alive, but…
            ready = client.get("/readyz")
        assert ready.status_code == 503 and words in ready.json()["detail"], ready.text
