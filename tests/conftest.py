"""Shared fixtures.  Database, server and browser fixtures live in tests/fixtures/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytest_plugins = [
    "tests.fixtures.databases",
    "tests.fixtures.servers",
    "tests.fixtures.browser",
    "tests.fixtures.elections",
]


def in_ci() -> bool:
    """True under CI, where anything a test needs but cannot find is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    """Skip locally; fail under CI (CI=true), where missing prerequisites are defects."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def testdata_dir() -> Path:
    """The shared real-election data: $BALLOTBOX_TESTDATA, else ../shared/testdata."""
    path = Path(os.environ.get("BALLOTBOX_TESTDATA", REPO.parent / "shared" / "testdata"))
    if not path.is_dir():
        skip_or_fail(
            f"real election test data not found at {path}; "
            "set BALLOTBOX_TESTDATA or place shared/ beside the repository"
        )
    return path
