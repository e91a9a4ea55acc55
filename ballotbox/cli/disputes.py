"""``ballotbox disputes``: record a report that came by post, and list the reports."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``disputes`` group: ``add`` and ``list``."""
    group = typer.Typer(
        help="Reports that a published vote is wrong: record one from a letter, list them.",
        no_args_is_help=True,
    )
    app.add_typer(group, name="disputes")

    @group.command("add")
    def add(
        token: str = typer.Argument(..., help="The token the letter gives."),
        receipt: str = typer.Option(
            "", "--receipt", help="The receipt code, if the letter has it."
        ),
        text: str = typer.Option("", "--text", help="What the member says is wrong."),
        slug: str = typer.Option(None, "--election", help="The ballot (default: the token's)."),
    ) -> None:
        """Record a report that came by post (no sender details are kept: not even the letter).

        Example: ballotbox disputes add "4821 0937 5512 8840 3316" --receipt ABCD2345
        """
        from ballotbox.cli.common import console, session
        from ballotbox.services.disputes import report_dispute

        with session() as (s, ctx):
            report = report_dispute(s, ctx, token, channel="postal", receipt=receipt, text=text,
                                    election_slug=slug)  # fmt: skip
        console.print(f"Recorded a report for {report.election}: receipt {report.receipt_check}.")

    @group.command("list")
    def list_(slug: str = typer.Argument(..., help="The ballot's slug.")) -> None:
        """List the reports about a ballot, by token, with what each receipt shows.

        Example: ballotbox disputes list nec-2027
        """
        from ballotbox.cli.common import console, session
        from ballotbox.core.tokens.format import group as grouped
        from ballotbox.storage import repository

        with session(write=False) as (s, _ctx):
            election = repository.election_by_slug(s, slug)
            rows = repository.disputes(s, election.id or 0)
            for row in rows:
                code = row.receipt_code or "-"
                if row.receipt_kind == "keys":  # keyed on a phone, one key per symbol
                    code = f"keys {code}"
                console.print(
                    f"{grouped(row.token)}  {row.reported_on}  {row.channel:<6} "
                    f"{row.receipt_check:<15} {code:<8}  {row.text}",
                    markup=False,
                )
        console.print(f"{len(rows)} report(s).")
