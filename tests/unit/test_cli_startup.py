"""The CLI starts fast: its entry point and its help load no web, database or PDF stack.

Each check runs in a fresh interpreter, because this test process has long
since imported everything.  benchmarks/cli_startup.py measures the time itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

#: What a command imports when it runs, never when the CLI starts.
HEAVY = ("fastapi", "sqlmodel", "sqlalchemy", "twilio", "reportlab", "alembic", "uvicorn", "httpx")

PROBE = """
import contextlib, io, json, sys
argv = json.loads(sys.argv[1])
import ballotbox.cli
if argv:
    sys.argv = ["ballotbox", *argv]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        ballotbox.cli.main()
print(json.dumps(sorted(sys.modules)))
"""


def loaded_by(*argv: str) -> set[str]:
    """The top-level packages loaded by importing the CLI (and running ``argv``, if given)."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    return {name.split(".")[0] for name in json.loads(done.stdout.splitlines()[-1])}


def test_importing_the_cli_loads_no_heavy_package() -> None:
    loaded = loaded_by()
    assert "ballotbox" in loaded and "typer" in loaded  # the probe did import it
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize("argv", [["--help"], ["count", "--help"]])
def test_the_help_loads_neither_the_heavy_packages_nor_pydantic_or_rich(argv: list[str]) -> None:
    loaded = loaded_by(*argv)
    assert loaded.isdisjoint({*HEAVY, "pydantic", "rich"}), sorted(
        loaded & {*HEAVY, "pydantic", "rich"}
    )


def test_counting_a_file_loads_no_web_or_database_package(tmp_path: Path) -> None:
    blt = tmp_path / "tiny.blt"
    blt.write_text('3 1\n2 1 2 0\n1 3 0\n0\n"Ann"\n"Bob"\n"Cy"\n"Tiny"\n', encoding="utf-8")
    loaded = loaded_by("count", str(blt), "--seats", "1", "--method", "irv", "--json")
    assert "ballotbox" in loaded
    # Nor pydantic: typer would build a TypeAdapter for each option (cli/plainparams.py).
    assert loaded.isdisjoint({*HEAVY, "pydantic"}), sorted(loaded & {*HEAVY, "pydantic"})


@pytest.mark.parametrize(
    ("seats", "message"),
    [("x", "“x” is not a whole number."), ("0", "must be at least 1."), ("2", None)],
)
def test_count_options_are_converted_without_pydantic_and_bad_ones_named(
    tmp_path: Path, seats: str, message: str | None
) -> None:
    blt = tmp_path / "tiny.blt"
    blt.write_text('3 1\n2 1 2 0\n1 3 0\n0\n"Ann"\n"Bob"\n"Cy"\n"Tiny"\n', encoding="utf-8")
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "ballotbox"),
            "count",
            str(blt),
            "--seats",
            seats,
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    if message is None:
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["seats"] == 2
    else:
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert f"Invalid value for '--seats' / '-s': {message}" in done.stderr
        assert "Try 'ballotbox count --help' for help." in done.stderr  # as Click's own says
