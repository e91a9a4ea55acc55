"""``ballotbox officers …``: accounts for the officers' console at /admin (and the tellers')."""

from __future__ import annotations

import typer

from ballotbox.cli.tellers import _password, _role

officers_app = typer.Typer(
    help="Console accounts with one-time codes: returning officer, scrutineer, teller.",
    no_args_is_help=True,
)


@officers_app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name: letters, digits, dots, dashes."),
    role: str = typer.Option(
        "returning-officer",
        "--role",
        "-r",
        help="returning-officer, scrutineer, supervisor or teller.",
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of standard input."
    ),
) -> None:
    """Create a console account and print its one-time code URI (otpauth://) for an app.

    Example: ballotbox officers add ann --role returning-officer --password-stdin < pw.txt
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services import accounts

    chosen = _role(role)
    password = _password(password_stdin)
    with session() as (s, ctx):
        account, uri = accounts.add_officer(s, ctx, username, chosen, password)
        name = accounts.name_of(account)
    console.print(f"Created {name}. Sign in at /admin with a one-time code from this URI:")
    print(uri)  # plain, unwrapped: it is copied into an authenticator app or a QR encoder


@officers_app.command("list")
def list_() -> None:
    """List every account with its role, one-time codes, sessions and any lockout.

    Example: ballotbox officers list
    """
    from rich.table import Table

    from ballotbox.cli.common import console, session
    from ballotbox.services import account_views

    with session(write=False) as (s, ctx):
        rows = account_views.accounts_list(s, ctx)
    table = Table("Username", "Role", "One-time codes", "Signed in", "Locked until")
    for row in rows:
        table.add_row(
            row.username,
            row.role,
            "yes" if row.has_codes else "no",
            str(row.sessions),
            row.locked_until.strftime("%Y-%m-%d %H:%M UTC") if row.locked_until else "",
        )
    console.print(
        table if rows else "No accounts yet. Add one: ballotbox officers add NAME --password-stdin"
    )


@officers_app.command("reset-password")
def reset_password(
    username: str = typer.Argument(..., help="The account's username."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of standard input."
    ),
) -> None:
    """Give an account a new password; lifts lockouts and signs it out everywhere.

    Example: ballotbox officers reset-password ann --password-stdin < new-password.txt
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services import accounts

    with session(write=False) as (s, _ctx):
        accounts.account_named(s, username)
    password = _password(password_stdin)
    with session() as (s, ctx):
        account = accounts.account_named(s, username)
        ended = accounts.set_password(s, ctx, account, password)
    console.print(f"New password set for [bold]{account.username}[/]; {ended} session(s) ended.")


@officers_app.command("reset-totp")
def reset_totp(username: str = typer.Argument(..., help="The account's username.")) -> None:
    """Give an account a new one-time code secret (a lost phone) and print its URI.

    Example: ballotbox officers reset-totp ann
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services import accounts

    with session() as (s, ctx):
        account = accounts.account_named(s, username)
        uri = accounts.reset_totp(s, ctx, account)
    console.print(
        f"New one-time codes for [bold]{account.username}[/]; the old app no longer works:"
    )
    print(uri)


@officers_app.command("revoke-sessions")
def revoke_sessions(username: str = typer.Argument(..., help="The account's username.")) -> None:
    """Sign an account out everywhere now.

    Example: ballotbox officers revoke-sessions ann
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services import accounts

    with session() as (s, ctx):
        account = accounts.account_named(s, username)
        ended = accounts.revoke_sessions(s, ctx, account)
    console.print(f"Signed [bold]{account.username}[/] out of {ended} session(s).")


def register(app: typer.Typer) -> None:
    """Add the ``officers`` command group."""
    app.add_typer(officers_app, name="officers")
