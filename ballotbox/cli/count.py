"""``ballotbox count``: count a .blt (or rankings .csv) file and print the result sheet."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ballotbox.core.errors import FileFormatError, InputError
from ballotbox.core.vocabulary import METHODS

if TYPE_CHECKING:
    from ballotbox.core.counting import CountInput


def load(path: Path, seats: int | None) -> CountInput:
    """Read ballots from ``path``: ERS .blt, or a rankings CSV when the name ends in .csv."""
    from ballotbox.core.counting import CountInput, read_blt, read_csv_rankings

    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise FileFormatError(
            f"cannot read the file ({error.strerror})", source=str(path)
        ) from None
    except UnicodeDecodeError:
        raise FileFormatError("expected UTF-8 text", source=str(path)) from None
    if path.suffix.lower() == ".csv":
        return read_csv_rankings(text, seats=seats or 1, source=path.name, title=path.stem)
    data = read_blt(text, source=path.name)
    if seats is not None:
        data = CountInput(data.candidates, seats, data.ballots, data.withdrawn, data.title)
    return data


def register(app: typer.Typer) -> None:
    """Add the ``count`` command."""

    @app.command("count")
    def count_command(
        file: Path = typer.Argument(..., help="Ballots: an ERS .blt file or a rankings .csv."),
        method: str = typer.Option(
            "scottish-stv", "--method", "-m", help=f"One of: {', '.join(METHODS)}."
        ),
        seats: int | None = typer.Option(
            None, "--seats", "-s", min=1, help="Seats to fill (default: as in the .blt file)."
        ),
        seed: str = typer.Option("", "--seed", help="Seed for ties broken by lot."),
        threshold: str = typer.Option(
            "1/2", "--threshold", help="Referendum: Yes must exceed this share, e.g. 2/3."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
        as_csv: bool = typer.Option(False, "--csv", help="Print every round as CSV."),
    ) -> None:
        """Count ballots and print the result, stage by stage.

        Example: ballotbox count ward1.blt --method scottish-stv --seats 4 --json
        """
        from ballotbox.core.counting import CountOptions, count, result_csv, result_sheet

        try:
            share = Fraction(threshold)
        except (ValueError, ZeroDivisionError):
            raise InputError(
                "The threshold must be a number or fraction such as 2/3, not “{value}”.",
                value=threshold,
            ) from None
        data = load(file, seats)
        result = count(method, data, CountOptions(seed=seed, referendum_threshold=share))
        if as_json:
            typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        elif as_csv:
            typer.echo(result_csv(result), nl=False)
        else:
            typer.echo(result_sheet(result), nl=False)
