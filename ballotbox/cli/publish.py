"""``ballotbox publish`` and ``ballotbox checkpoint``: the officer's audit commands."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the ``publish`` and ``checkpoint`` commands."""

    @app.command()
    def publish(
        slug: str = typer.Argument(..., help="The election's slug."),
        out: Path = typer.Option(
            ..., "--out", help="The bundle directory to create (must not exist); DIR.zip beside it."
        ),
    ) -> None:
        """Publish a counted election: write the audit bundle and show it on the public pages.

        Appends "published" to the log, signs a last checkpoint, and writes the
        bundle (election, commitment, revealed token key, token list, token → vote
        list, log, checkpoints, result) as a directory and a zip.  Anyone can then
        check it with ballotbox-verify.

        Example: ballotbox publish nec-2027 --out ./nec-2027-bundle
        """
        from ballotbox.cli.common import console, session
        from ballotbox.services import publishing
        from ballotbox.storage import repository

        with session() as (s, ctx):
            election = repository.election_by_slug(s, slug)
            done = publishing.publish(s, ctx, election, out)
        console.print(
            f"Published [bold]{slug}[/]: {done.ballots} ballots.\n"
            f"  bundle:  {done.directory}\n"
            f"  zip:     {done.archive}\n"
            f"  zip SHA-256: {done.zip_sha256}\n"
            f"Check it: ballotbox-verify {done.archive}"
        )

    @app.command()
    def checkpoint(slug: str = typer.Argument(..., help="The election's slug.")) -> None:
        """Sign the election's chain head now and publish it on the live audit page.

        The app also signs checkpoints on its own while voting is open (see
        BALLOTBOX_CHECKPOINT_EVERY_ENTRIES and _MINUTES) and always at the close.

        Example: ballotbox checkpoint nec-2027
        """
        from ballotbox.cli.common import console, session
        from ballotbox.services import checkpoints
        from ballotbox.storage import repository

        with session() as (s, ctx):
            election = repository.election_by_slug(s, slug)
            signed = checkpoints.checkpoint_now(s, ctx, election)
            head = checkpoints.envelopes(s, election)[-1]["body"]["head"]
        console.print(
            f"Checkpoint for [bold]{slug}[/]: position {signed.position}, "
            f"{signed.ballots} ballots, head {head}"
        )
