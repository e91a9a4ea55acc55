"""``ballotbox demo``: a whole election, start to finish, then the site to look at."""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.table import Table

    from ballotbox.core.counting import Result
    from ballotbox.demo import DemoRun


def result_table(result: Result, heading: str = "") -> Table:
    """The count at a glance: first preferences, final votes and each candidate's fate."""
    from rich.table import Table

    seats = f"{result.seats} seat{'' if result.seats == 1 else 's'}"
    table = Table(title=f"{heading}{result.title}: {result.method}, {seats}")
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


def referendum_line(result: Result) -> str:
    """A motion's count in one line: the answers, the share and the outcome."""
    votes = dict(zip(result.candidates, result.rounds[-1].votes, strict=True))
    answers = ", ".join(f"{name} {int(votes[name])}" for name in result.candidates)
    share = float(Fraction(result.details.get("yes_share", "0")))
    counted = (
        "Yes, No and Abstain"
        if result.details.get("abstentions_count") == "true"
        else ("Yes and No")
    )
    return (
        f"{answers}: Yes is {share:.1%} of {counted}; it needed more than "
        f"{result.details.get('threshold')}, so the motion is [bold]{result.outcome}[/]."
    )


def print_results(outcome: DemoRun) -> None:
    """Every contest's result: a table for an election, a line for a motion, and its blanks."""
    from ballotbox.cli.common import console

    for key, result in outcome.count.results.items():
        blank = outcome.count.blank.get(key, 0)
        console.print()
        if result.method == "referendum":
            console.print(f"[bold]Contest {key}: {result.title}[/]")
            console.print(referendum_line(result))
        else:
            console.print(result_table(result, heading=f"Contest {key}: "))
            console.print("Elected: [bold]" + ", ".join(result.elected_names()) + "[/]")
        console.print(f"Left blank on {blank} ballot{'' if blank == 1 else 's'}.")


def print_console_sign_in(outcome: DemoRun, url: str) -> None:
    """How to sign in to the officers' console as the demo's returning officer."""
    from ballotbox.cli.common import console

    officer = outcome.officer
    if officer is None:
        return
    console.print(f"\nOfficers' console: {url}/admin  (runs the ballots; tellers use {url}/teller)")
    console.print(f"  Username:       {officer.username}")
    console.print(f"  Password:       {officer.password}")
    console.print(
        f"  One-time code:  {officer.code_now()} (right now; it changes every 30 seconds)"
    )
    console.print("  For later codes, add this to an authenticator app (or scan it as a QR code):")
    print(f"  {officer.otpauth}")  # unwrapped, to copy whole


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""

    @app.command()
    def demo(
        folder: Path = typer.Option(
            Path("ballotbox-demo"),
            "--dir",
            help="Folder for the demo database and keys (recreated).",
        ),
        voters: int = typer.Option(400, min=1, max=100_000, help="How many ballots to cast."),
        serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the site afterwards."),
        port: int = typer.Option(8000, help="Port for the site."),
    ) -> None:
        """Run a realistic ballot on SQLite end to end, print every count, serve the site.

        One card votes in three contests: a 12-candidate, 6-seat STV slate (at
        least three women), an IRV chair and a motion needing two thirds.  Issues
        tokens, casts ballots through the web pages and API, SMS, phone and post,
        closes, counts and prints every contest's result; then serves the pages
        at http://127.0.0.1:PORT with a second ballot still open to try.

        Example: ballotbox demo --no-serve
        """
        from ballotbox.cli.common import console
        from ballotbox.demo import run

        started = time.perf_counter()
        url = f"http://127.0.0.1:{port}"
        outcome = run(folder, voters=voters, public_url=url, say=lambda m: console.print(m))
        print_results(outcome)
        console.print("\nWhat members are told when something is wrong (nothing was recorded):")
        for label, message in outcome.attempts:
            console.print(f"  • {label}: [italic]{message}[/]")
        console.print(f"\nDemo data in {folder.resolve()} ({time.perf_counter() - started:.1f} s).")
        print_console_sign_in(outcome, url)
        if not serve:
            return
        console.print(f"\nServing {url}  (Ctrl-C to stop)")
        console.print(f"  Results: {url}/elections/{outcome.ballot}")
        console.print(f"  The ballot “{outcome.trial}” is still open; try these tokens at {url}/ :")
        for token in outcome.spare_tokens:
            console.print(f"    {token.grouped}   or  {url}/v/{token.digits}")
        import uvicorn

        from ballotbox.app import create_app

        uvicorn.run(create_app(outcome.settings), host="127.0.0.1", port=port, access_log=False)
