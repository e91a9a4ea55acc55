"""Settings from the environment: BALLOTBOX_LOG_LEVEL works, and a bad value is one clear line."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ballotbox.config import Settings, configure_logging, get_settings
from ballotbox.core.errors import SettingsError


@pytest.fixture
def ballotbox_logger() -> Iterator[logging.Logger]:
    """The ``ballotbox`` logger, put back as it was afterwards."""
    logger = logging.getLogger("ballotbox")
    level, handlers = logger.level, list(logger.handlers)
    yield logger
    logger.setLevel(level)
    logger.handlers[:] = handlers


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_level_decides_which_ballotbox_lines_reach_stderr(
    ballotbox_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    sql_level = logging.getLogger("sqlalchemy.engine").level
    configure_logging("WARNING")
    logging.getLogger("ballotbox.app").info("quiet line")
    logging.getLogger("ballotbox.app").warning("loud line")
    configure_logging("DEBUG")  # again: a new level, still one handler
    logging.getLogger("ballotbox.batching").debug("detail line")
    err = capsys.readouterr().err
    assert "quiet line" not in err
    assert "WARNING ballotbox.app: loud line" in err
    assert "DEBUG ballotbox.batching: detail line" in err
    assert err.count("loud line") == 1
    # Only ballotbox's logger: SQLAlchemy's (statements and parameters) keeps its level.
    assert logging.getLogger("sqlalchemy.engine").level == sql_level
    assert logging.getLogger().level == logging.WARNING


def test_the_level_is_read_from_the_environment_in_any_case(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    assert Settings().log_level == "INFO"
    monkeypatch.setenv("BALLOTBOX_LOG_LEVEL", "debug")
    assert get_settings().log_level == "DEBUG"


def test_a_bad_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("BALLOTBOX_LOG_LEVEL", "chatty")
    monkeypatch.setenv("BALLOTBOX_CHECKPOINT_EVERY_ENTRIES", "0")
    with pytest.raises(SettingsError) as caught:
        get_settings()
    assert "BALLOTBOX_LOG_LEVEL: Input should be 'DEBUG'" in caught.value.message
    assert "BALLOTBOX_CHECKPOINT_EVERY_ENTRIES:" in caught.value.message


def test_the_cli_refuses_a_bad_setting_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ballotbox"), "election", "list"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "BALLOTBOX_LOG_LEVEL": "chatty", "COLUMNS": "200"},
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "BALLOTBOX_LOG_LEVEL" in lines[0], done.stderr
    assert not (tmp_path / "ballotbox.db").exists()  # refused before touching anything
