"""``ballotbox tokens …``: issue tokens for printing, void leftover cards."""

from __future__ import annotations

import csv
from pathlib import Path

import typer
from rich.progress import Progress

from ballotbox import repository
from ballotbox.cli.common import console, refuse_existing, session, settings
from ballotbox.cli.election import read_text
from ballotbox.errors import InputError
from ballotbox.i18n import N_
from ballotbox.services import issuance
from tokens.format import Token, parse

tokens_app = typer.Typer(help="Issue tokens for printing and void spoiled cards.", no_args_is_help=True)

CSV_COLUMNS = ("serial", "token", "token_grouped", "url")


def card_url(token: Token) -> str:
    """The address a card's QR code opens."""
    return f"{settings().public_base}/v/{token.digits}"


def write_csv(tokens: list[Token], path: Path) -> None:
    """The print-house file: one row per card, serial numbers in print order."""
    with path.open("x", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for serial, token in enumerate(tokens, start=1):
            writer.writerow([f"{serial:06d}", token.digits, token.grouped, card_url(token)])


@tokens_app.command("issue")
def issue(
    slug: str = typer.Argument(..., help="The election's slug."),
    count: int = typer.Option(..., "--count", "-n", min=1, help="How many tokens to issue."),
    csv_path: Path = typer.Option(..., "--csv", help="Write the tokens here for the print house."),
) -> None:
    """Issue COUNT new tokens and write them, once, to a CSV file for printing.

    The database keeps only keyed hashes, in shuffled order: the CSV is the only
    place the tokens exist, so keep it safe and destroy it after printing.

    Example: ballotbox tokens issue nec-2027 --count 5000 --csv cards.csv
    """
    refuse_existing(csv_path)
    with session() as (s, ctx), Progress(console=console, transient=True) as bar:
        election = repository.election_by_slug(s, slug)
        task = bar.add_task("Issuing tokens", total=count)
        tokens = issuance.issue(s, ctx, election, count, progress=lambda n: bar.advance(task, n))
        write_csv(tokens, csv_path)
    console.print(f"Issued {len(tokens)} tokens for [bold]{slug}[/]; written to {csv_path}")


def _read_token_list(path: Path) -> list[str]:
    """Tokens from a file: one per line, or a CSV with a ``token`` column."""
    text = read_text(path)
    lines = text.splitlines()
    if lines and "token" in lines[0].lower().split(","):
        return [row["token"] for row in csv.DictReader(lines)]
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


@tokens_app.command("void")
def void(
    slug: str = typer.Argument(..., help="The election's slug."),
    tokens: list[str] = typer.Argument(None, help="Tokens to void (spaces inside must be quoted)."),
    from_file: Path | None = typer.Option(
        None, "--from", help="A file of tokens, one per line, or a CSV with a token column."
    ),
) -> None:
    """Void leftover or spoiled cards before voting opens; they can never vote.

    Example: ballotbox tokens void nec-2027 "4821 0937 5512 8840 3316" --from spoiled.txt
    """
    texts = list(tokens or [])
    if from_file is not None:
        texts.extend(_read_token_list(from_file))
    if not texts:
        raise InputError(N_("Give the tokens to void, or --from FILE."))
    parsed = []
    for number, text in enumerate(texts, start=1):
        try:
            parsed.append(parse(text))
        except InputError as error:
            raise InputError(N_("Token {number} (“{text}”): {problem}"), number=number, text=text, problem=error.message) from None
    with session() as (s, ctx):
        election = repository.election_by_slug(s, slug)
        newly = issuance.void(s, ctx, election, parsed)
    console.print(f"Voided {newly} card(s) for [bold]{slug}[/] ({len(parsed) - newly} already void).")


def register(app: typer.Typer) -> None:
    """Add the ``tokens`` command group."""
    app.add_typer(tokens_app, name="tokens")
