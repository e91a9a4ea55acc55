"""``ballotbox phone call``: ring a running server as Twilio Voice would, keypad in the terminal."""

from __future__ import annotations

import typer

from ballotbox.cli.sms import _auth


def _ask(_prompt: str) -> str:
    """One keypad entry from the terminal: keys then Enter (a trailing # is optional)."""
    from ballotbox.adapters.phone.simulator import CallEnded

    try:
        line = input("keys> ")
    except EOFError:
        raise CallEnded() from None
    return line.strip().removesuffix("#")


def register(app: typer.Typer) -> None:
    """Add the ``phone`` command group."""
    phone = typer.Typer(help="Simulate Twilio Voice against a server.", no_args_is_help=True)
    app.add_typer(phone, name="phone")

    @phone.command("call")
    def call_command(
        url: str = typer.Argument(..., help="The server's base URL."),
        keys: str | None = typer.Option(
            None, help="Play a whole call non-interactively: entries ended by #, e.g. TOKEN#1#3##1"
        ),
        caller: str | None = typer.Option(
            None,
            "--from",
            help="The caller's number (default: an Ofcom drama number, never real).",
        ),
        public_url: str | None = typer.Option(
            None, help="The URL Twilio signs (the server's BALLOTBOX_PUBLIC_URL); default URL."
        ),
        auth_token: str | None = typer.Option(
            None, help="Twilio auth token to sign with; default $BALLOTBOX_TWILIO_AUTH_TOKEN."
        ),
    ) -> None:
        """Call the server's /phone/twilio and key in the terminal; what it says is printed.

        Type each entry and press Enter (Enter alone is the hash key alone).

        Example: ballotbox phone call http://127.0.0.1:8000 --keys "48210937551288403316#1#3##1"
        """
        import httpx

        from ballotbox.adapters.phone.simulator import DEFAULT_CALLER, call

        with httpx.Client(base_url=url, timeout=30) as client:
            transcript = call(
                client,
                keys if keys is not None else _ask,
                auth_token=_auth(auth_token),
                public_url=public_url,
                caller=caller or DEFAULT_CALLER,
                on_say=lambda text: typer.echo(f"» {text}"),
            )
        if transcript.statuses and transcript.statuses[-1] != 200:
            typer.echo(f"server answered HTTP {transcript.statuses[-1]}", err=True)
            raise typer.Exit(1)
        typer.echo("(call ended)" if transcript.hung_up_by_server else "(you hung up)")
