"""``ballotbox backup``, ``restore`` and ``election override-restore``.

The work is in :mod:`ballotbox.cli.backup_run`, imported when a command runs, so
``ballotbox --help`` does not load the database stack.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ballotbox.cli.election import election_app


def register(app: typer.Typer) -> None:
    """Add ``backup``, ``restore`` and ``election override-restore``."""

    @app.command()
    def backup(file: Path = typer.Argument(..., help="The backup file to create.")) -> None:
        """Copy the database to FILE: every committed ballot, consistently, while voting runs.

        SQLite through its online backup API; PostgreSQL through pg_dump (custom
        format).  The key directory is never in the file: keep it apart.

        Example: ballotbox backup /srv/backups/ballotbox-$(date +%F-%H%M).db
        """
        from ballotbox.cli.backup_run import run_backup

        run_backup(file)

    @app.command()
    def restore(
        file: Path = typer.Argument(..., help="A file made by ballotbox backup."),
        yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
        checkpoint: list[Path] = typer.Option(
            [],
            "--checkpoint",
            metavar="FILE",
            help="Checkpoints saved from /elections/SLUG/audit/checkpoints.json; the restored "
            "database must reach every one (use when this host's witness files were lost).",
        ),
    ) -> None:
        """Replace the database with a backup, then check it against the chain heads seen here.

        An election whose restored chain is behind the head recorded in the key
        directory (or a --checkpoint) is put on hold: no votes, no open or close,
        until a newer backup is restored or the officer runs
        ballotbox election override-restore SLUG --reason "…".  Stop every app
        server first.

        Example: ballotbox restore /srv/backups/ballotbox-2027-01-20-1200.db
        """
        from ballotbox.cli.backup_run import run_restore

        run_restore(file, yes, checkpoint)

    @election_app.command("override-restore")
    def override_restore(
        slug: str = typer.Argument(..., help="The election's slug."),
        reason: str = typer.Option(..., "--reason", help="Why the lost entries are accepted."),
    ) -> None:
        """Accept a restored database that is behind the chain head seen before, with a reason.

        The reason goes into the hash chain as a "restored" entry, published with
        the log; observers' saved checkpoints past it will show the loss.

        Example: ballotbox election override-restore nec-2027 --reason "disk lost; backup of 12:00"
        """
        from ballotbox.cli.backup_run import run_override_restore

        run_override_restore(slug, reason)
