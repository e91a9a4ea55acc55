"""The ``ballotbox`` command line: the returning officer's tool.

Each command group lives in its own module with a ``register(app)`` function;
this module only composes them and turns domain errors into one clear line
and a non-zero exit, never a traceback.  Commands import what they use when
they run, so ``ballotbox --help`` and ``ballotbox count`` start quickly.
"""

from __future__ import annotations

import logging
import os
import sys

import typer

from ballotbox.cli import (
    backup,
    count,
    demo,
    disputes,
    election,
    members,
    officers,
    phone,
    plainparams,
    postal,
    printing,
    publish,
    setup,
    sms,
    tally,
    tellers,
    tokens,
)
from ballotbox.core.errors import BallotboxError, InputError, NotFoundError

app = typer.Typer(
    name="ballotbox",
    help="Run verifiable, anonymous ballots: define, issue tokens, open, close, count, publish.",
    no_args_is_help=True,
    add_completion=False,
    add_help_option=False,  # replaced by the --help of _root below
    pretty_exceptions_enable=False,
    # Plain help: typer's Rich help imports rich.markdown and markdown-it on every --help.
    rich_markup_mode=None,
)


@app.callback()
def _root(_help: bool = plainparams.help_option()) -> None:
    # A --help of our own whose default is False: typer coerces a built-in --help that
    # was not given (None) through a pydantic TypeAdapter, and importing pydantic for
    # that doubled the start-up time of every command (benchmarks/RESULTS.md).
    pass


# In the order `ballotbox --help` lists them.  Each module imports only typer and the
# standard library at the top; what a command needs it imports when it runs, so the
# help and `ballotbox count` start without the web stack (tests/unit/test_cli_startup.py).
GROUPS = (
    setup,
    election,
    tokens,
    tally,
    count,
    demo,
    publish,
    officers,
    printing,
    disputes,
    tellers,
    postal,
    sms,
    phone,
    members,
    backup,
)
for _group in GROUPS:
    _group.register(app)


def exit_code_for(error: BallotboxError) -> int:
    """2 for bad input, 3 for something missing, 1 for everything else."""
    if isinstance(error, InputError):
        return 2
    if isinstance(error, NotFoundError):
        return 3
    return 1


def _say_error(text: str) -> None:
    from rich.console import Console

    # soft_wrap: one line whatever the width, so a long path never splits the message
    Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {text}", highlight=False)


def main() -> None:
    """Entry point of the ``ballotbox`` console script."""
    try:
        command = typer.main.get_command(app)
        plainparams.convert_plainly(command)  # `count` runs without importing pydantic
        command()
    except BallotboxError as error:
        _say_error(error.message)
        sys.exit(exit_code_for(error))
    except Exception as error:  # noqa: BLE001 - the officer gets one line, never a traceback
        if os.environ.get("BALLOTBOX_DEBUG"):
            raise
        logging.getLogger("ballotbox").debug("unexpected error", exc_info=True)
        _say_error(
            f"unexpected {type(error).__name__}; the command's transaction was "
            "rolled back. Run again with BALLOTBOX_DEBUG=1 to see the details."
        )
        sys.exit(70)
