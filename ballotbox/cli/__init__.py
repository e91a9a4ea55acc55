"""The ``ballotbox`` command line: the returning officer's tool.

Each command group lives in its own module with a ``register(app)`` function;
this module only composes them and turns domain errors into one clear line
and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

import typer
from rich.console import Console

from ballotbox.core.errors import BallotboxError, InputError, NotFoundError

app = typer.Typer(
    name="ballotbox",
    help="Run verifiable, anonymous ballots: define, issue tokens, open, close, count, publish.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

# Modules under ballotbox.cli (or dotted paths elsewhere) that add commands.
COMMAND_MODULES: list[str] = [
    "ballotbox.cli.setup",
    "ballotbox.cli.election",
    "ballotbox.cli.tokens",
    "ballotbox.cli.tally",
    "ballotbox.cli.count",
    "ballotbox.cli.demo",
    "ballotbox.cli.serve",
    "ballotbox.cli.publish",
    "ballotbox.cli.tellers",
    "ballotbox.cli.postal",
    "ballotbox.cli.sms",
    "ballotbox.cli.phone",
    "ballotbox.cli.members",
    "ballotbox.cli.backup",
]

for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as exc:  # a command group not written yet
        if exc.name != _name:
            raise
        continue
    _module.register(app)

err_console = Console(stderr=True, soft_wrap=True)  # one error, one line, however long


def exit_code_for(error: BallotboxError) -> int:
    """2 for bad input, 3 for something missing, 1 for everything else."""
    if isinstance(error, InputError):
        return 2
    if isinstance(error, NotFoundError):
        return 3
    return 1


def main() -> None:
    """Entry point of the ``ballotbox`` console script."""
    try:
        app()
    except BallotboxError as error:
        err_console.print(f"[bold red]error:[/] {error.message}", highlight=False)
        sys.exit(exit_code_for(error))
    except Exception as error:  # noqa: BLE001 - the officer gets one line, never a traceback
        if os.environ.get("BALLOTBOX_DEBUG"):
            raise
        logging.getLogger("ballotbox").debug("unexpected error", exc_info=True)
        err_console.print(
            f"[bold red]error:[/] unexpected {type(error).__name__}; the command's transaction was "
            "rolled back. Run again with BALLOTBOX_DEBUG=1 to see the details.",
            highlight=False,
        )
        sys.exit(70)
