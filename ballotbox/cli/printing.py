"""``ballotbox print``: large-print pages for members who check their vote by post."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the ``print`` group: ``check-list``, ``results`` and ``dispute-form``."""
    group = typer.Typer(
        help="Print large-print pages to post to members: the check list and the results.",
        no_args_is_help=True,
    )
    app.add_typer(group, name="print")

    @group.command("check-list")
    def check_list(
        slug: str = typer.Argument(..., help="The published ballot's slug."),
        out: Path = typer.Option(..., "--out", help="The PDF to write (must not exist)."),
        prefix: str = typer.Option(
            "", "--prefix", help="Only tokens starting with these digits (at most 6), e.g. 48."
        ),
    ) -> None:
        """Print the published token → vote list in large print (no text under 14 pt).

        Sorted by token, grouped as on the cards, choices as candidate names, the
        commitment fingerprint on every page.  A member asks by post for the
        pages of a token prefix, which does not reveal their token.

        Example: ballotbox print check-list nec-2027 --out tokens-48.pdf --prefix 48
        """
        from ballotbox.cli.common import console, session
        from ballotbox.services.offline_print import print_check_list
        from ballotbox.storage import repository

        with session(write=False) as (s, _ctx):
            pages = print_check_list(s, repository.election_by_slug(s, slug), out, prefix)
        console.print(f"Wrote {out}: {pages} page(s).")

    @group.command("results")
    def results(
        slug: str = typer.Argument(..., help="The counted ballot's slug."),
        out: Path = typer.Option(..., "--out", help="The PDF to write (must not exist)."),
    ) -> None:
        """Print the result sheet, every round of every contest, in large print.

        Example: ballotbox print results nec-2027 --out results.pdf
        """
        from ballotbox.cli.common import console, session
        from ballotbox.services.offline_print import print_results
        from ballotbox.storage import repository

        with session(write=False) as (s, _ctx):
            pages = print_results(s, repository.election_by_slug(s, slug), out)
        console.print(f"Wrote {out}: {pages} page(s).")

    @group.command("dispute-form")
    def dispute_form(
        slug: str = typer.Argument(..., help="The ballot's slug."),
        out: Path = typer.Option(..., "--out", help="The PDF to write (must not exist)."),
    ) -> None:
        """Print the postal form for reporting a wrong vote, for the ballot pack (large print).

        The return address is BALLOTBOX_POSTAL_ADDRESS.  Reports that come back are
        recorded with: ballotbox disputes add TOKEN --receipt CODE --text "..."

        Example: ballotbox print dispute-form nec-2027 --out dispute-form.pdf
        """
        from ballotbox.cli.common import console, session, settings
        from ballotbox.services.offline_print import print_dispute_form
        from ballotbox.storage import repository

        address = settings().postal_address or ""
        with session(write=False) as (s, _ctx):
            election = repository.election_by_slug(s, slug)
            pages = print_dispute_form(s, election, out, address)
        console.print(f"Wrote {out}: {pages} page(s).")
