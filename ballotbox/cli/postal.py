"""``ballotbox postal …``: batches of letters, importing offline keying, reconciliation."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ballotbox.cli.election import read_text

if TYPE_CHECKING:
    from ballotbox.services.postal.reconcile import Reconciliation

postal_app = typer.Typer(
    help="Postal ballots: batches, CSV import, reconciliation.", no_args_is_help=True
)
batch_app = typer.Typer(help="Open and list batches of letters.", no_args_is_help=True)
postal_app.add_typer(batch_app, name="batch")


@batch_app.command("open")
def batch_open(
    slug: str = typer.Argument(..., help="The election's slug."),
    label: str = typer.Argument(..., help='What the batch is, e.g. "post of 3 Dec, bag 2".'),
    letters: int = typer.Option(
        ..., "--letters", "-n", min=1, help="Letters received in the batch."
    ),
) -> None:
    """Open a batch of letters, numbered 1..N, for tellers to key.

    Example: ballotbox postal batch open nec-2027 "post of 3 Dec, bag 2" --letters 40
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services.postal import batches
    from ballotbox.storage import repository

    with session() as (s, ctx):
        election = repository.election_by_slug(s, slug)
        batch = batches.open_batch(s, ctx, None, election, label, letters)
    console.print(
        f"Opened batch [bold]{batch.id}[/] “{batch.label}” with {letters} letters. "
        f"Number the letters 1 to {letters}; tellers key them at /teller."
    )


@batch_app.command("list")
def batch_list(slug: str = typer.Argument(..., help="The election's slug.")) -> None:
    """List an election's batches with their figures.

    Example: ballotbox postal batch list nec-2027
    """
    _print_report(slug, None)


@postal_app.command("import")
def import_(
    slug: str = typer.Argument(..., help="The election's slug."),
    batch: int = typer.Argument(..., help="The batch number (see: ballotbox postal batch list)."),
    first: Path = typer.Argument(..., help="The first teller's keying (CSV)."),
    second: Path = typer.Argument(..., help="The second teller's keying (CSV)."),
) -> None:
    """Import two tellers' keyed entries from CSV; agreeing letters are cast, others adjudicated.

    Columns: letter, teller, token, spoilt, then one per candidate number holding
    the mark next to that candidate (a rank, or X for a tick).  The files hold
    tokens in plain text: destroy them once imported.

    Example: ballotbox postal import nec-2027 3 ann.csv bob.csv
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services.postal import batches, bulk
    from ballotbox.storage import repository

    texts = [(str(path), read_text(path)) for path in (first, second)]
    with session() as (s, ctx):
        election = repository.election_by_slug(s, slug)
        found = batches.get_batch(s, election, batch)
        outcome = bulk.import_entries(s, ctx, election, found, texts[0], texts[1])
    parts = [f"{outcome[k]} {k}" for k in ("accepted", "spoilt", "rejected", "disputed", "waiting")]
    console.print(
        f"Imported batch {batch}: " + ", ".join(parts) + ". "
        "Disputed letters are in the adjudication queue at /teller/adjudication. "
        "Now destroy the CSV files: they hold tokens."
    )


@postal_app.command("reconcile")
def reconcile_(
    slug: str = typer.Argument(..., help="The election's slug."),
    csv_path: Path | None = typer.Option(None, "--csv", help="Also write the report as CSV here."),
) -> None:
    """Show letters received = accepted + spoilt + rejected + pending, per batch and overall.

    Example: ballotbox postal reconcile nec-2027 --csv reconciliation.csv
    """
    from ballotbox.core.printing.outputs import refuse_existing

    if csv_path is not None:
        refuse_existing(csv_path)
    report = _print_report(slug, csv_path)
    if not report.balanced:
        raise typer.Exit(1)


def _print_report(slug: str, csv_path: Path | None) -> Reconciliation:
    from rich.table import Table

    from ballotbox.cli.common import console, session
    from ballotbox.services.postal import reconcile
    from ballotbox.storage import repository

    with session(write=False) as (s, _ctx):
        report = reconcile.reconcile(s, repository.election_by_slug(s, slug))
    table = Table(
        "Batch",
        "Label",
        "Received",
        "Accepted",
        "Spoilt",
        "Rejected",
        "Pending",
        "(unkeyed / once / adjudication)",
        "Adds up",
        title=f"Postal reconciliation: {slug}",
    )
    for line in [*report.lines, report.total]:
        table.add_row(
            str(line.batch_id or "total"),
            line.label,
            str(line.received),
            str(line.accepted),
            str(line.count("spoilt")),
            str(line.count("rejected")),
            str(line.pending),
            f"{line.unkeyed} / {line.keyed_once} / {line.adjudication}",
            "yes" if line.balanced else "[bold red]NO[/]",
        )
    console.print(table)
    ballots = report.ballots_by_channel.get("postal", 0)
    console.print(
        f"Letters accepted from post: {report.accepted_post}; ballots recorded by post: "
        f"{ballots} ({'match' if report.matches_ballots else '[bold red]MISMATCH[/]'})."
    )
    if csv_path is not None:
        with csv_path.open("x", encoding="utf-8", newline="") as handle:
            handle.write(reconcile.to_csv(report))
        console.print(f"Written to {csv_path}")
    return report


def register(app: typer.Typer) -> None:
    """Add the ``postal`` command group."""
    app.add_typer(postal_app, name="postal")
