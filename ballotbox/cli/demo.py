"""``ballotbox demo``: a whole election, start to finish, then the site to look at."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.table import Table

    from ballotbox.core.counting import Result


def result_table(result: Result) -> Table:
    """The count at a glance: first preferences, final votes and each candidate's fate."""
    from rich.table import Table

    table = Table(title=f"{result.title}: {result.method}, {result.seats} seats")
    table.add_column("Candidate", no_wrap=True)
    table.add_column("First prefs", justify="right")
    table.add_column("Final", justify="right")
    table.add_column("Outcome")
    fate: dict[int, str] = {}
    for r in result.rounds:
        for cid in r.elected:
            fate.setdefault(cid, f"[bold green]elected[/] at stage {r.number}")
        for cid in r.excluded:
            fate.setdefault(cid, f"excluded at stage {r.number}")
    first, last = result.rounds[0], result.rounds[-1]
    for cid, name in enumerate(result.candidates):
        table.add_row(
            name,
            f"{float(first.votes[cid]):.2f}",
            f"{float(last.votes[cid]):.2f}",
            fate.get(cid, ""),
        )
    table.add_row(
        "[dim]Non-transferable[/]",
        f"{float(first.exhausted):.2f}",
        f"{float(last.exhausted):.2f}",
        "",
    )
    if result.quota is not None:
        table.caption = (
            f"Quota {float(result.quota):.2f}; {len(result.rounds)} stages. "
            "Full sheet: ballotbox tally --json, or the results page."
        )
    return table


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""

    @app.command()
    def demo(
        folder: Path = typer.Option(
            Path("ballotbox-demo"),
            "--dir",
            help="Folder for the demo database and keys (recreated).",
        ),
        voters: int = typer.Option(400, min=1, max=100_000, help="How many slate ballots to cast."),
        serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the site afterwards."),
        port: int = typer.Option(8000, help="Port for the site."),
    ) -> None:
        """Run a realistic election on SQLite end to end, print the count, serve the site.

        Creates a 12-candidate, 6-seat STV slate election and an open motion,
        issues tokens, casts ballots through cast(), closes, counts and prints
        the result; then serves the pages at http://127.0.0.1:PORT.

        Example: ballotbox demo --no-serve
        """
        from ballotbox.cli.common import console
        from ballotbox.demo import run

        started = time.perf_counter()
        url = f"http://127.0.0.1:{port}"
        outcome = run(folder, voters=voters, public_url=url, say=lambda m: console.print(m))
        console.print(result_table(outcome.result))
        console.print("Elected: [bold]" + ", ".join(outcome.result.elected_names()) + "[/]")
        console.print("\nWhat members are told when something is wrong (nothing was recorded):")
        for label, message in outcome.attempts:
            console.print(f"  • {label}: [italic]{message}[/]")
        console.print(f"\nDemo data in {folder.resolve()} ({time.perf_counter() - started:.1f} s).")
        if not serve:
            return
        console.print(f"\nServing {url}  (Ctrl-C to stop)")
        console.print(f"  Results: {url}/elections/{outcome.slate}")
        console.print(f"  The motion is still open; try these unused tokens at {url}/ :")
        for token in outcome.spare_tokens:
            console.print(f"    {token.grouped}   or  {url}/v/{token.digits}")
        import uvicorn

        from ballotbox.app import create_app

        uvicorn.run(create_app(outcome.settings), host="127.0.0.1", port=port, access_log=False)
