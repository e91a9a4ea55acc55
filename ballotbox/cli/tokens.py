"""``ballotbox tokens …``: issue tokens for printing, void leftover cards."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ballotbox.cli.election import read_text
from ballotbox.core.csvtext import rows as csv_rows
from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_

if TYPE_CHECKING:
    from ballotbox.services.print_runs import PrintJob

tokens_app = typer.Typer(
    help="Issue tokens for printing and void spoiled cards.", no_args_is_help=True
)


@tokens_app.command("issue")
def issue(
    slug: str = typer.Argument(..., help="The election's slug."),
    count: int | None = typer.Option(
        None, "--count", "-n", min=1, help="How many tokens to issue."
    ),
    pdf: Path | None = typer.Option(None, "--pdf", help="Write print-ready cards to this PDF."),
    csv_path: Path | None = typer.Option(
        None, "--csv", help="Write serial, token, url rows for an outside print house."
    ),
    layout: str | None = typer.Option(
        None,
        "--layout",
        help="business (two-sided), postcard (room for two languages), a4 (large print), "
        "avery (stickers), ballot-paper or ballot-paper-large (postal papers). Default "
        "business, or postcard when the text does not fit it (a ballot in two languages).",
    ),
    split: int | None = typer.Option(
        None, "--split", min=1, help="Cards per PDF file; writes NAME-001.pdf… and a manifest."
    ),
    reserve: bool = typer.Option(
        False, "--reserve", help="Reserve stock for replacement cards (serials R00001…)."
    ),
    by_format: bool = typer.Option(
        False,
        "--by-format",
        help="One run per card format, as many as members of it without a card; writes "
        "NAME-standard.pdf, NAME-large-print.pdf… each in its format's layout.",
    ),
    by_language: bool = typer.Option(
        False,
        "--by-language",
        help="With --by-format, split each format by the member's language too: "
        "NAME-standard-cy.pdf in Welsh only, NAME-standard-en.pdf in English only.",
    ),
    language: str | None = typer.Option(
        None, "--language", help="Print in this language only (cy, en); default: the ballot's."
    ),
) -> None:
    """Issue COUNT new tokens and write them, once, as card PDFs and/or a print-house CSV.

    The database keeps only keyed hashes, in shuffled order: the files written
    here are the only place the tokens exist, so keep them safe and destroy
    them after printing.  Nothing is issued if a file exists or cannot be
    written, and a run that fails half way issues nothing.

    Example: ballotbox tokens issue nec-2027 --count 5000 --pdf cards.pdf --split 1000
    Postal papers: ballotbox tokens issue nec-2027 -n 200 --pdf post.pdf --layout ballot-paper
    Per format: ballotbox tokens issue nec-2027 --by-format --pdf cards.pdf
    Per format and language: ballotbox tokens issue nec-2027 --by-format --by-language --pdf c.pdf
    """
    from rich.progress import Progress

    from ballotbox.cli.common import console, session
    from ballotbox.services import print_runs
    from ballotbox.storage import repository

    if by_language and not by_format:
        raise InputError(N_("--by-language splits a --by-format run: give --by-format too."))
    if by_format:
        if count is not None or layout is not None or language is not None:
            raise InputError(
                N_(
                    "--by-format sets each group's count, layout and language: "
                    "leave out --count, --layout and --language."
                )
            )
        job = print_runs.PrintJob(pdf=pdf, csv=csv_path, split=split, reserve=reserve)
        _issue_by_format(slug, job, by_language=by_language)
        return
    if count is None:
        raise InputError(N_("Give --count N, or --by-format to issue one card per member."))
    with (
        print_runs.removed_on_failure() as created,
        session() as (s, ctx),
        Progress(console=console, transient=True) as bar,
    ):
        election = repository.election_by_slug(s, slug)
        job = print_runs.PrintJob(
            pdf=pdf,
            csv=csv_path,
            layout=layout or print_runs.default_layout(election, ctx, language),
            split=split,
            reserve=reserve,
            language=language,
        )
        issuing = bar.add_task("Issuing tokens", total=count)
        printing = bar.add_task("Printing cards", total=count, visible=pdf is not None)
        result = print_runs.issue_and_print(
            s,
            ctx,
            election,
            count,
            job,
            created=created,
            on_issued=lambda n: bar.advance(issuing, n),
            on_printed=lambda done: bar.update(printing, completed=done),
        )
    stock = "reserve cards" if reserve else "cards"
    console.print(
        f"Issued {result.cards} tokens for [bold]{slug}[/] as {stock} "
        f"{result.first_serial} to {result.last_serial}."
    )
    for path in result.files:
        console.print(f"  wrote {path}")
    console.print("Keep these files as secret as the tokens; delete them once printed and checked.")


def _issue_by_format(slug: str, job: PrintJob, *, by_language: bool) -> None:
    """Issue and print one run per card format (and language), and say what each holds."""
    from ballotbox.cli.common import console, session
    from ballotbox.services import format_runs, print_runs
    from ballotbox.storage import repository

    with print_runs.removed_on_failure() as created, session() as (s, ctx):
        election = repository.election_by_slug(s, slug)
        runs = format_runs.issue_by_format(
            s, ctx, election, job, created=created, by_language=by_language
        )
    for run in runs:
        result = run.result
        language = f" in {run.language}" if run.language else ""
        console.print(
            f"{run.card_format}{language}: {result.cards} card(s) in the {run.layout} layout, "
            f"{result.first_serial} to {result.last_serial}"
        )
        for path in result.files:
            console.print(f"  wrote {path}")
    total = sum(run.result.cards for run in runs)
    console.print(
        f"Issued {total} tokens for [bold]{slug}[/] in {len(runs)} group(s). Within a group "
        "the cards are interchangeable: hand them out in any order, never by list."
    )
    console.print("Keep these files as secret as the tokens; delete them once printed and checked.")


def _read_token_list(path: Path) -> list[str]:
    """Tokens from a file: one per line, or a CSV with a ``token`` column."""
    text = read_text(path)
    lines = text.splitlines()
    if lines and "token" in lines[0].lower().split(","):
        reader = csv.reader(lines)
        table = list(csv_rows(reader, str(path)))
        at = [h.strip().lower() for h in table[0]].index("token")
        return [row[at] if at < len(row) else "" for row in table[1:] if any(row)]
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
    from ballotbox.cli.common import console, session
    from ballotbox.core.tokens.format import parse
    from ballotbox.services import issuance
    from ballotbox.storage import repository

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
            raise InputError(
                N_("Token {number} (“{text}”): {problem}"),
                number=number,
                text=text,
                problem=error.message,
            ) from None
    with session() as (s, ctx):
        election = repository.election_by_slug(s, slug)
        newly = issuance.void(s, ctx, election, parsed)
    console.print(
        f"Voided {newly} card(s) for [bold]{slug}[/] ({len(parsed) - newly} already void)."
    )


def register(app: typer.Typer) -> None:
    """Add the ``tokens`` command group."""
    app.add_typer(tokens_app, name="tokens")
