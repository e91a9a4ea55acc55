"""Parameters of plain types converted without pydantic, for the commands users time.

Typer 0.29 converts every parameter that is not a flag through a pydantic
``TypeAdapter``, built the first time the command runs; importing pydantic
for it costs about 80 ms, a tenth of ``ballotbox count`` on a million
ballots.  For the commands in :data:`PLAIN`, whose parameters are ``str``,
``int`` (with an optional minimum) and ``Path``, this module converts them
by hand, before Typer would, with messages as plain as Click's.  Flags
whose default is ``False`` need no conversion; a command's built-in
``--help`` has none (``None``) and is converted, so these commands, like the
root, take :func:`help_option` instead.  A parameter
of any other type is left to Typer, so nothing changes for it.

Typer asks each parameter for its converter once (``get_runtime_param``); a
converter set here is used in its place.  ``tests/unit/test_cli_startup.py``
checks, in a fresh interpreter, that ``count FILE`` loads no pydantic and
that a bad ``--seats`` is refused with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

#: Commands (by name) whose plain parameters skip pydantic.
PLAIN = ("count",)
_TYPES: dict[Any, Any] = {str: str, int: int, Path: Path}


@dataclass(frozen=True)
class PlainConversion:
    """Converts one ``str``, ``int`` or ``Path`` parameter as Click hands it over."""

    kind: Any
    minimum: int | None = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:
            return None
        if self.kind is not int:
            return self.kind(value)
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise typer.BadParameter(f"“{value}” is not a whole number.", ctx, param) from None
        if self.minimum is not None and number < self.minimum:
            raise typer.BadParameter(f"must be at least {self.minimum}.", ctx, param)
        return number


def convert_plainly(group: Any) -> None:
    """Give the plain parameters of the :data:`PLAIN` commands of ``group`` their converter."""
    commands = getattr(group, "commands", {})
    for name in PLAIN:
        _hint_own_help(commands.get(name))
        for param in getattr(commands.get(name), "params", ()):
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is None or getattr(param, "_runtime_param", None) is not None:
                continue
            if getattr(param, "multiple", False) or getattr(param, "nargs", 1) != 1:
                continue
            kind = _TYPES.get(descriptor.annotation)
            if kind is None:
                continue  # a choice, a list, a file…: Typer's own conversion
            info = descriptor.parameter_info
            if kind is not int and (getattr(info, "min", None) is not None):
                continue
            param._runtime_param = PlainConversion(kind, getattr(info, "min", None))


def _hint_own_help(command: Any) -> None:
    """Let a usage error end "Try 'ballotbox count --help' for help." as Click's own help does:
    Click names only its built-in help option there, which these commands replace."""
    own = [p for p in getattr(command, "params", ()) if "--help" in getattr(p, "opts", ())]
    if own:
        command.get_help_option = lambda _ctx: own[0]
        command.get_help_option_names = lambda _ctx: ["--help"]


def show_help(ctx: typer.Context, _param: object, asked: bool) -> None:
    """The callback of :func:`help_option`: print the help and stop."""
    if asked and not ctx.resilient_parsing:
        typer.echo(ctx.get_help())
        raise typer.Exit()


def help_option() -> Any:
    """A ``--help`` whose default is ``False``, so Typer never converts it through pydantic
    (use with ``add_help_option=False``)."""
    return typer.Option(
        False,
        "--help",
        is_eager=True,
        expose_value=False,
        callback=show_help,
        help="Show this message and exit.",
    )
