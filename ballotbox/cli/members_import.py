"""``ballotbox members import``: read a register, preview it, store it, report every row."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ballotbox.core.errors import FileFormatError, InputError
from ballotbox.core.i18n import N_

if TYPE_CHECKING:
    from ballotbox.core.members.registers import Member, RowProblem
    from ballotbox.services.members import ImportReport

SHOWN = 20  # rows and members listed on screen


def read_bytes(path: Path) -> bytes:
    """A file's bytes, or one clear error."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FileFormatError("no such file", source=str(path)) from None
    except OSError as exc:
        raise FileFormatError(exc.strerror or "cannot be read", source=str(path)) from None


def parse_mapping(pairs: list[str]) -> dict[str, str | list[str]] | None:
    """``--map number="Member Ref"`` options as the mapping ``read_register`` takes."""
    from ballotbox.core.members.registers import FIELDS

    mapping: dict[str, str | list[str]] = {}
    for pair in pairs:
        key, sep, column = pair.partition("=")
        key = key.strip().lower()
        if not sep or key not in FIELDS or not column.strip():
            raise InputError(
                N_("--map takes FIELD=COLUMN with FIELD one of {fields}, not “{pair}”."),
                fields=", ".join(FIELDS),
                pair=pair,
            )
        if key == "address":
            wanted = mapping.setdefault(key, [])
            assert isinstance(wanted, list)
            wanted.append(column.strip())
        else:
            mapping[key] = column.strip()
    return mapping or None


def import_(
    slug: str = typer.Argument(..., help="The election's slug."),
    file: Path = typer.Argument(..., help="The register: CSV, or Excel's Unicode Text (TAB)."),
    org: str = typer.Option(..., "--org", help="The organisation whose register this is."),
    map_: list[str] = typer.Option(
        [],
        "--map",
        help="Map a field to a column: number=, name=, email=, phone=, postcode=, address=.",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what the import would do, every bad row; store nothing."
    ),
    strict: bool = typer.Option(False, "--strict", help="Import nothing if any row is bad."),
    remove_missing: bool = typer.Option(
        False,
        "--remove-missing",
        help="Also remove this organisation's members who are not in the file (never one "
        "who was given a card); each removal is logged.",
    ),
) -> None:
    """Import an organisation's member register, reporting every bad row by line.

    The encoding (UTF-8, UTF-8 with BOM, UTF-16 or Windows-1252) is detected
    and shown; a file in none of them is refused.  Columns are recognised by
    common headers (Membership No, Name, Email, Phone, Postcode, Address…) or
    mapped with --map; columns not used are listed.  A doubtful email or phone
    is a warning, the member is kept.  Importing the same organisation again
    adds new members and updates changed ones; --remove-missing also removes
    those no longer in the file.

    Example: ballotbox members import nec-2027 nw.csv --org "North West" --dry-run
    """
    from ballotbox.cli.common import session
    from ballotbox.cli.members_resolve import actor
    from ballotbox.core.members.registers import read_register
    from ballotbox.services import members as registers
    from ballotbox.storage import repository

    if not org.strip():
        raise InputError(N_("--org needs the organisation's name."))
    read = read_register(read_bytes(file), org.strip(), parse_mapping(map_), name=str(file))
    if strict and read.problems and not dry_run:
        _print_problems(read.problems)
        raise FileFormatError(
            f"{len(read.problems)} bad row(s) and --strict: nothing was imported", source=str(file)
        )
    with session(write=not dry_run) as (s, ctx):
        election = repository.election_by_slug(s, slug)
        if dry_run:
            report = registers.preview_import(s, election, read)
        else:
            report = registers.import_register(
                s, election, read, remove_missing=remove_missing, actor=actor(), ctx=ctx
            )
    _print_report(report, remove_missing=remove_missing)


def _print_report(report: ImportReport, *, remove_missing: bool) -> None:
    from ballotbox.cli.common import console

    columns = "; ".join(f"{k}: {', '.join(v)}" for k, v in report.columns.items())
    console.print(f"Read as {report.encoding}. Columns used: {columns}")
    if report.unknown_columns:
        console.print(f"Columns not imported: {', '.join(report.unknown_columns)}")
    verb = "" if report.stored else "would be "
    console.print(
        f"[bold]{report.org}[/]: {report.added} {verb}added, {report.updated} {verb}updated, "
        f"{report.unchanged} unchanged, {len(report.problems)} row(s) left out, "
        f"{len(report.warnings)} warning(s)."
    )
    if report.removed:
        console.print(f"Removed {len(report.removed)} member(s) not in this file (logged):")
        _print_members(report.removed)
    elif report.missing:
        what = "would be removed with" if remove_missing else "kept; to remove them, import with"
        console.print(
            f"{len(report.missing)} member(s) already registered are not in this file; "
            f"{what} --remove-missing:"
        )
        _print_members(report.missing)
        for member in report.missing_with_card:
            console.print(
                f"  {member.org} {member.number} was given a card, so cannot be removed: "
                "--remove-missing would import nothing."
            )
    _print_problems(report.problems)
    for warning in report.warnings[:SHOWN]:
        console.print(f"  line {warning.line}: kept, but {warning.reason}")
    if len(report.warnings) > SHOWN:
        console.print(f"  … and {len(report.warnings) - SHOWN} more warning(s)")
    if not report.stored:
        console.print("Dry run: nothing was stored.")


def _print_members(members: list[Member]) -> None:
    from ballotbox.cli.common import console

    for member in members[:SHOWN]:
        console.print(f"  {member.org} {member.number} {member.name}")
    if len(members) > SHOWN:
        console.print(f"  … and {len(members) - SHOWN} more")


def _print_problems(problems: list[RowProblem]) -> None:
    from ballotbox.cli.common import console

    for problem in problems[:SHOWN]:
        console.print(f"  line {problem.line}: left out, {problem.reason}")
    if len(problems) > SHOWN:
        console.print(f"  … and {len(problems) - SHOWN} more")
