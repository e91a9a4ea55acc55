"""``ballotbox tellers …``: accounts for the teller console (postal and voicemail keying)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_

if TYPE_CHECKING:
    from ballotbox.storage.models_postal import Role

tellers_app = typer.Typer(
    help="Teller accounts: returning officer, supervisor, teller, scrutineer.", no_args_is_help=True
)


def _role(text: str) -> Role:
    from ballotbox.services.roles import parse_role

    try:
        return parse_role(text)
    except ValueError as error:
        raise InputError(str(error)) from None


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            raise InputError(N_("--password-stdin: nothing was read from standard input."))
        return line.rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@tellers_app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name: letters, digits, dots, dashes."),
    role: str = typer.Option(
        "teller",
        "--role",
        "-r",
        help="officer (returning officer), supervisor, teller or scrutineer.",
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of standard input."
    ),
) -> None:
    """Create a teller account; the password is asked for twice (or read from stdin).

    Example: ballotbox tellers add ann --role supervisor
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services import accounts
    from ballotbox.services.roles import ROLE_NAMES

    chosen = _role(role)
    password = _password(password_stdin)
    with session() as (s, ctx):
        teller = accounts.add_teller(s, ctx, username, chosen, password)
    console.print(
        f"Created {ROLE_NAMES[chosen]} [bold]{teller.username}[/]. They sign in at /teller/login."
    )


@tellers_app.command("list")
def list_() -> None:
    """List teller accounts with their roles and any lockout.

    Example: ballotbox tellers list
    """
    from rich.table import Table

    from ballotbox.cli.common import console, session
    from ballotbox.services import accounts
    from ballotbox.services.postal import queries

    with session(write=False) as (s, ctx):
        rows = [(t, accounts.locked_until(s, ctx, t.username)) for t in queries.tellers(s)]
    table = Table("Username", "Role", "Active", "Locked until")
    for t, until in rows:
        table.add_row(
            t.username,
            t.role,
            "yes" if t.active else "no",
            until.strftime("%Y-%m-%d %H:%M") if until else "",
        )
    console.print(
        table if rows else "No tellers yet. Add one: ballotbox tellers add NAME --role teller"
    )


@tellers_app.command("unlock")
def unlock(username: str = typer.Argument(..., help="The locked teller's username.")) -> None:
    """Lift a lockout after too many wrong passwords (from every address).

    Example: ballotbox tellers unlock ann
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services import accounts
    from ballotbox.services.postal import queries

    with session() as (s, ctx):
        teller = queries.teller_by_username(s, username)
        if teller is None:
            raise InputError(N_("There is no teller called “{name}”."), name=username)
        accounts.unlock(s, ctx, teller)
    console.print(f"[bold]{username}[/] can sign in again.")


@tellers_app.command("reset-password")
def reset_password(
    username: str = typer.Argument(..., help="The teller's username."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of standard input."
    ),
) -> None:
    """Give a teller a new password; also lifts a lockout and signs them out everywhere.

    The password is asked for twice (or read from stdin).

    Example: ballotbox tellers reset-password ann --password-stdin < new-password.txt
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services import accounts
    from ballotbox.services.postal import queries

    with session(write=False) as (s, _ctx):
        if queries.teller_by_username(s, username) is None:
            raise InputError(N_("There is no teller called “{name}”."), name=username)
    password = _password(password_stdin)
    with session() as (s, ctx):
        teller = queries.teller_by_username(s, username)
        if teller is None:
            raise InputError(N_("There is no teller called “{name}”."), name=username)
        ended = accounts.set_password(s, ctx, teller, password)
    signed_out = f"; {ended} sign-in session(s) ended" if ended else ""
    console.print(
        f"New password set for [bold]{teller.username}[/]{signed_out}. Any lockout is lifted."
    )


def register(app: typer.Typer) -> None:
    """Add the ``tellers`` command group."""
    app.add_typer(tellers_app, name="tellers")
