"""``ballotbox count`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ballotbox.cli import app

BLT = '4 2\n7 1 2 0\n2 3 0\n2 2 0\n1 4 3 0\n0\n"Ann"\n"Bob"\n"Cat"\n"Dan"\n"Test"\n'


@pytest.fixture
def blt(tmp_path: Path) -> Path:
    path = tmp_path / "test.blt"
    path.write_text(BLT)
    return path


def test_json_output_has_elected_and_rounds(blt: Path) -> None:
    out = CliRunner().invoke(app, ["count", str(blt), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["elected"] == ["Ann", "Bob"]
    assert data["rounds"][1]["votes"]["Bob"] == "3.99997"
    assert "exhausted" in data["rounds"][0]


def test_method_and_seats_options(blt: Path) -> None:
    out = CliRunner().invoke(app, ["count", str(blt), "--method", "irv", "--seats", "1", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["elected"] == ["Ann"]


def test_default_output_is_the_sheet(blt: Path) -> None:
    out = CliRunner().invoke(app, ["count", str(blt)])
    assert out.exit_code == 0
    assert "Stage 2: Surplus of Ann" in out.output


def test_help_has_an_example() -> None:
    out = CliRunner().invoke(app, ["count", "--help"])
    assert out.exit_code == 0
    assert "Example: ballotbox count" in out.output


def test_bad_file_is_a_domain_error_with_the_line(tmp_path: Path) -> None:
    from ballotbox.core.errors import FileFormatError

    path = tmp_path / "bad.blt"
    path.write_text("2 1\n1 1 9 0\n0\nA\nB\n")
    out = CliRunner().invoke(app, ["count", str(path)])
    assert out.exit_code != 0
    assert isinstance(out.exception, FileFormatError)
    assert out.exception.line == 2


def test_help_names_every_counting_method() -> None:
    from ballotbox.cli.count import METHOD_HELP
    from ballotbox.core.counting import METHODS

    assert METHOD_HELP == f"One of: {', '.join(METHODS)}."
    out = CliRunner().invoke(app, ["count", "--help"])
    assert all(method in out.output for method in METHODS)


def test_a_file_with_a_byte_order_mark_and_windows_line_ends_counts(tmp_path: Path) -> None:
    path = tmp_path / "bom.blt"
    path.write_bytes(b"\xef\xbb\xbf" + BLT.replace("\n", "\r\n").encode())
    out = CliRunner().invoke(app, ["count", str(path), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["elected"] == ["Ann", "Bob"]


@pytest.mark.parametrize("threshold", ["1e999999", "9" * 5000, "two thirds"])
def test_a_hostile_threshold_is_bad_input(blt: Path, threshold: str) -> None:
    from ballotbox.core.errors import InputError

    out = CliRunner().invoke(
        app, ["count", str(blt), "--method", "referendum", "--threshold", threshold]
    )
    assert out.exit_code != 0
    assert isinstance(out.exception, InputError)
    assert "threshold" in str(out.exception)
