"""``ballotbox count``: count a .blt (or rankings .csv) file and print the result sheet.

Only Typer is imported here; the counting engine is imported when the command
runs, so the rest of the command line does not pay for it, and a count pays
for nothing but the engine (``ballotbox.core.counting``, standard library only).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ballotbox.cli.plainparams import help_option

if TYPE_CHECKING:
    from ballotbox.core.counting import CountInput

#: The methods, as ``ballotbox.core.counting.METHODS`` lists them (a test keeps them equal).
METHOD_HELP = "One of: scottish-stv, meek-stv, irv, plurality, approval, referendum."


def load(path: Path, seats: int | None) -> CountInput:
    """Read ballots from ``path``: ERS .blt, or a rankings CSV when the name ends in .csv."""
    from dataclasses import replace

    from ballotbox.core.counting import read_blt, read_csv_rankings
    from ballotbox.core.errors import FileFormatError

    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FileFormatError(
            f"cannot read the file ({error.strerror})", source=str(path)
        ) from None
    if path.suffix.lower() == ".csv":
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FileFormatError("expected UTF-8 text", source=str(path)) from None
        return read_csv_rankings(text, seats=seats or 1, source=path.name, title=path.stem)
    data = read_blt(raw, source=path.name)  # bytes: the file is never decoded whole
    return data if seats is None else replace(data, seats=seats)


def register(app: typer.Typer) -> None:
    """Add the ``count`` command."""

    # Its own --help, and plain conversions in cli.plainparams: no pydantic on this path.
    @app.command("count", add_help_option=False)
    def count_command(
        file: Path = typer.Argument(..., help="Ballots: an ERS .blt file or a rankings .csv."),
        method: str = typer.Option("scottish-stv", "--method", "-m", help=METHOD_HELP),
        seats: int | None = typer.Option(
            None, "--seats", "-s", min=1, help="Seats to fill (default: as in the .blt file)."
        ),
        seed: str = typer.Option("", "--seed", help="Seed for ties broken by lot."),
        threshold: str = typer.Option(
            "1/2", "--threshold", help="Referendum: Yes must exceed this share, e.g. 2/3."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
        as_csv: bool = typer.Option(False, "--csv", help="Print every round as CSV."),
        _help: bool = help_option(),
    ) -> None:
        """Count ballots and print the result, stage by stage.

        Example: ballotbox count ward1.blt --method scottish-stv --seats 4 --json
        """
        import gc
        import json

        from ballotbox.core.counting import CountOptions, count, result_csv, result_sheet
        from ballotbox.core.counting.weights import parse_fraction, shown
        from ballotbox.core.errors import InputError

        try:
            share = parse_fraction(threshold)
        except ValueError:
            raise InputError(
                "The threshold must be a number or fraction such as 2/3, not “{value}”.",
                value=shown(threshold),
            ) from None
        gc.disable()  # counting makes no reference cycles; collections would only rescan its lists
        data = load(file, seats)
        result = count(method, data, CountOptions(seed=seed, referendum_threshold=share))
        if as_json:
            typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        elif as_csv:
            typer.echo(result_csv(result), nl=False)
        else:
            typer.echo(result_sheet(result), nl=False)
