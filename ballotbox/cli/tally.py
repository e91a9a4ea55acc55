"""``ballotbox tally``: count a closed election and show the result sheet."""

from __future__ import annotations

import json

import typer


def register(app: typer.Typer) -> None:
    """Add the ``tally`` command."""

    @app.command()
    def tally(
        slug: str = typer.Argument(..., help="The election's slug."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
        override_pending: str | None = typer.Option(
            None,
            "--override-pending",
            metavar="REASON",
            help="Count although postal letters are pending; the reason goes into the audit log.",
        ),
    ) -> None:
        """Count a closed election, store the result and print it round by round.

        Counting again gives the same result (ties are broken from the election's seed).

        Example: ballotbox tally nec-2027
        """
        from ballotbox.cli.common import session
        from ballotbox.core.counting import result_sheet
        from ballotbox.services import tally as tally_service
        from ballotbox.storage import repository

        with session() as (s, ctx):
            election = repository.election_by_slug(s, slug)
            result = tally_service.tally(s, ctx, election, override_pending=override_pending)
        if as_json:
            print(json.dumps(result.to_json(), indent=2))
        else:
            print(result_sheet(result))
