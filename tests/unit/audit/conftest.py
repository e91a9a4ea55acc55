"""Fixtures for the audit tests: one played-out election, rebuilt fresh for each test."""

from __future__ import annotations

import pytest

from tests.unit.audit.factory import Election, build_election


@pytest.fixture
def election() -> Election:
    """A small valid election whose bundle every check accepts."""
    return build_election()
