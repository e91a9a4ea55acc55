"""``ballotbox sms send``: text a running server as Twilio would (demos, manual testing)."""

from __future__ import annotations

import os

import typer


def _auth(option: str | None) -> str:
    token = option or os.environ.get("BALLOTBOX_TWILIO_AUTH_TOKEN")
    if not token:
        raise typer.BadParameter(
            "give --auth-token or set BALLOTBOX_TWILIO_AUTH_TOKEN (the server's token)"
        )
    return token


def register(app: typer.Typer) -> None:
    """Add the ``sms`` command group."""
    sms = typer.Typer(help="Simulate Twilio Messaging against a server.", no_args_is_help=True)
    app.add_typer(sms, name="sms")

    @sms.command("send")
    def send_command(
        text: str = typer.Argument(..., help='The text, e.g. "4821 0937 5512 8840 3316 3 1 2".'),
        to_server: str = typer.Option(..., "--to-server", help="The server's base URL."),
        sender: str | None = typer.Option(
            None,
            "--from",
            help="The sender's number (default: an Ofcom drama number, never real).",
        ),
        public_url: str | None = typer.Option(
            None, help="The URL Twilio signs (the server's BALLOTBOX_PUBLIC_URL); default: server."
        ),
        auth_token: str | None = typer.Option(
            None, help="Twilio auth token to sign with; default $BALLOTBOX_TWILIO_AUTH_TOKEN."
        ),
        message_sid: str | None = typer.Option(None, help="Reuse a MessageSid to test a retry."),
    ) -> None:
        """Send one text to the server's /sms/twilio, signed like Twilio, and print the reply.

        Example:
        ballotbox sms send --to-server http://127.0.0.1:8000 --from +447700900123 "TOKEN 3 1 2"
        """
        import httpx

        from ballotbox.adapters.sms.simulator import DEFAULT_SENDER, send

        with httpx.Client(base_url=to_server, timeout=30) as client:
            reply = send(
                client,
                text,
                auth_token=_auth(auth_token),
                public_url=public_url,
                sender=sender or DEFAULT_SENDER,
                message_sid=message_sid,
            )
        if reply.status != 200:
            typer.echo(f"server answered HTTP {reply.status}", err=True)
            raise typer.Exit(1)
        for message in reply.messages:
            typer.echo(message)
