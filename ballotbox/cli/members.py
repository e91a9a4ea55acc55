"""``ballotbox members …``: registers, duplicates, who got a card, stock report, labels."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import BinaryIO

import typer

from ballotbox.cli.members_import import import_, read_bytes
from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_

members_app = typer.Typer(
    help="Member registers, the card issuance register, stock reports and address labels.",
    no_args_is_help=True,
)
SHOWN = 20  # problem rows and members listed on screen; the CSV files have them all
members_app.command("import")(import_)  # first in --help: registers come first


@members_app.command("duplicates")
def duplicates(
    slug: str = typer.Argument(..., help="The election's slug."),
    csv_path: Path | None = typer.Option(
        None, "--csv", help="Also write the groups to a CSV file."
    ),
) -> None:
    """List people who may be on the registers more than once, with why, for a person to resolve.

    Example: ballotbox members duplicates nec-2027 --csv duplicates.csv
    """
    from ballotbox.cli.common import console, session
    from ballotbox.core.printing.outputs import open_new, refuse_existing
    from ballotbox.core.spreadsheet import SafeWriter
    from ballotbox.services import issuance_register as registry
    from ballotbox.storage import repository

    if csv_path is not None:
        refuse_existing(csv_path)
    with session(write=False) as (s, _ctx):
        election = repository.election_by_slug(s, slug)
        groups = registry.duplicates(s, election)
    if not groups:
        console.print("No one appears to be listed twice.")
    for number, group in enumerate(groups, start=1):
        console.print(f"[bold]Group {number}[/]")
        for member in group.members:
            details = " ".join(p for p in (member.name, member.postcode, member.email) if p)
            console.print(f"  id {member.key}: {member.org} {member.number}: {details}")
        for match in group.matches:
            a, b = group.members[match.first], group.members[match.second]
            console.print(f"    {a.org} {a.number} ~ {b.org} {b.number}: {match.reason}")
    if csv_path is not None:
        with open_new(csv_path) as raw, raw_text(raw) as fh:
            writer = SafeWriter(fh)
            writer.writerow(
                ["group", "id", "org", "number", "name", "postcode", "email", "reasons"]
            )
            for number, group in enumerate(groups, start=1):
                for index, member in enumerate(group.members):
                    reasons = sorted(
                        {m.reason for m in group.matches if index in (m.first, m.second)}
                    )
                    writer.writerow(
                        [
                            number,
                            member.key,
                            member.org,
                            member.number,
                            member.name,
                            member.postcode,
                            member.email,
                            "; ".join(reasons),
                        ]
                    )
    console.print(f"{len(groups)} possible duplicate group(s); nothing was merged.")
    if groups:
        console.print(
            f'Resolve with: ballotbox members merge {slug} KEEP_ID DROP_ID --reason "…", '
            f'or ballotbox members remove {slug} ID --reason "…"'
        )


def raw_text(raw: BinaryIO) -> io.TextIOWrapper:
    """A UTF-8 CSV text stream over a binary file opened with ``open_new``."""
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


@members_app.command("issued")
def issued(
    slug: str = typer.Argument(..., help="The election's slug."),
    number: str | None = typer.Argument(None, help="The member's membership number."),
    org: str | None = typer.Option(
        None, "--org", help="The register, if the number is on several."
    ),
    how: str = typer.Option("", "--how", help="meeting, post, office or other."),
    by: str = typer.Option("", "--by", help="Who handed the card out or posted it."),
    on: str | None = typer.Option(None, "--date", help="The day, YYYY-MM-DD (default today)."),
    reissue: bool = typer.Option(False, "--reissue", help="A replacement card; needs --reason."),
    reason: str = typer.Option("", "--reason", help="Why a replacement card was given."),
    from_reserve: bool | None = typer.Option(
        None,
        "--from-reserve/--from-main",
        help="Which stock (default: reserve once voting is open).",
    ),
    from_file: Path | None = typer.Option(
        None, "--from", help="A CSV of first cards: membership number, optional org, how, by, date."
    ),
) -> None:
    """Record that a member received a card (never which card), or a whole CSV of them.

    A second card for the same member needs --reissue --reason; it voids
    nothing (the lost card cannot be identified, so it stays valid) and is
    counted in the report.

    Example: ballotbox members issued nec-2027 10442 --how meeting --by "J. Teller"
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services import issuance_register as registry
    from ballotbox.storage import repository

    if (number is None) == (from_file is None):
        raise InputError(N_("Give one membership number, or --from FILE.csv for many."))
    data = read_bytes(from_file) if from_file is not None else b""
    with session() as (s, ctx):
        election = repository.election_by_slug(s, slug)
        today = ctx.clock.now().date()
        handout = registry.Handout(
            how=how.strip().lower(),
            by=by,
            on=_day(on, today),
            reissue=reissue,
            reason=reason,
            reserve=from_reserve,
        )
        if from_file is not None:
            count = registry.record_bulk(s, ctx, election, str(from_file), data, handout)
            console.print(f"Recorded {count} card(s) handed out for [bold]{slug}[/].")
            return
        assert number is not None
        member = registry.find_member(s, election, number, org)
        issue = registry.record_issue(s, ctx, election, member, handout)
    kind = "replacement card" if issue.nth > 1 else "card"
    stock = " from the reserve stock" if issue.reserve else ""
    console.print(
        f"Recorded: {member.org} member {member.number} ({member.name}) received a "
        f"{kind}{stock} by {issue.how} on {issue.issued_on.isoformat()}, from {issue.issued_by}."
    )


def _day(text: str | None, today: date) -> date:
    if text is None:
        return today
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(N_("--date takes YYYY-MM-DD, not “{text}”."), text=text) from None


@members_app.command("report")
def report(
    slug: str = typer.Argument(..., help="The election's slug."),
    csv_path: Path | None = typer.Option(
        None, "--csv", help="Write the stock reconciliation here."
    ),
    without_csv: Path | None = typer.Option(
        None, "--without-card-csv", help="Write the members without a card here."
    ),
) -> None:
    """Stock reconciliation (cards printed, voided, handed out, left) and members without a card.

    Example: ballotbox members report nec-2027 --csv stock.csv --without-card-csv follow-up.csv
    """
    from rich.table import Table

    from ballotbox.cli.common import console, session
    from ballotbox.core.i18n import language_name
    from ballotbox.core.printing.outputs import open_new, refuse_existing
    from ballotbox.core.spreadsheet import SafeWriter
    from ballotbox.services import format_runs
    from ballotbox.services import issuance_register as registry
    from ballotbox.storage import repository

    for path in (csv_path, without_csv):
        if path is not None:
            refuse_existing(path)
    with session(write=False) as (s, ctx):
        election = repository.election_by_slug(s, slug)
        assert election.id is not None
        lines = registry.stock_reconciliation(s, election)
        without = [registry.as_member(m) for m in repository.members_without_card(s, election.id)]
        groups = format_runs.members_by_format(s, election, only_without_card=False)
        minimum = ctx.settings.min_format_group
    table = Table(title=f"Card stock for {slug}")
    table.add_column("item")
    table.add_column("count", justify="right")
    for line in lines:
        table.add_row(line.item, str(line.count))
    for fmt, group in groups.items():
        table.add_row(f"members with the {fmt} card", str(len(group)))
    console.print(table)
    sizes = {fmt: len(group) for fmt, group in groups.items()}
    for fmt, size in format_runs.small_groups(sizes, minimum).items():
        console.print(
            f"[bold]Warning:[/] only {size} member(s) have the {fmt} card (fewer than "
            f"{minimum}): a vote cast with one of those cards comes from one of these "
            f"{size} people. See docs/cards.md (BALLOTBOX_MIN_FORMAT_GROUP sets the minimum)."
        )
    everyone = [m for group in groups.values() for m in group]
    for (fmt, code), size in format_runs.small_language_groups(everyone, minimum).items():
        language = f"in {language_name(code)}" if code else "with no language recorded"
        console.print(
            f"[bold]Warning:[/] printed --by-language, only {size} member(s) would have the "
            f"{fmt} card {language} (fewer than {minimum}): a smaller anonymity set still. "
            "Print that format without --by-language, or accept it knowingly."
        )
    for member in without[:SHOWN]:
        console.print(f"  no card: {member.org} {member.number} {member.name}")
    if len(without) > SHOWN:
        console.print(
            f"  … and {len(without) - SHOWN} more (--without-card-csv FILE lists them all)"
        )
    if csv_path is not None:
        with open_new(csv_path) as raw, raw_text(raw) as fh:
            writer = SafeWriter(fh)
            writer.writerow(["item", "count"])
            writer.writerows([line.item, line.count] for line in lines)
    if without_csv is not None:
        with open_new(without_csv) as raw, raw_text(raw) as fh:
            writer = SafeWriter(fh)
            writer.writerow(["org", "number", "name", "email", "postcode"])
            writer.writerows([m.org, m.number, m.name, m.email, m.postcode] for m in without)


@members_app.command("labels")
def labels(
    slug: str = typer.Argument(..., help="The election's slug."),
    out: Path = typer.Option(..., "--out", help="The address-label PDF to write."),
    only_without_card: bool = typer.Option(
        False, "--only-without-card", help="Only members with no card recorded yet."
    ),
    layout: str = typer.Option("l7163", "--layout", help="Label sheet: l7163 (14) or l7160 (21)."),
    by_format: bool = typer.Option(
        False,
        "--by-format",
        help="One file per card format: NAME-standard.pdf, NAME-large-print.pdf…",
    ),
    by_language: bool = typer.Option(
        False,
        "--by-language",
        help="With --by-format, one file per format and language: NAME-standard-cy.pdf…",
    ),
) -> None:
    """Print name-and-address labels for posting cards; never a token, never with the cards.

    With --by-format (and --by-language) the labels come in the same groups as
    `tokens issue --by-format` (add --only-without-card for exactly that run's members).

    Example: ballotbox members labels nec-2027 --out labels.pdf --only-without-card
    """
    from ballotbox.cli.common import console, session
    from ballotbox.core.printing.labels import render_address_labels
    from ballotbox.core.printing.outputs import refuse_existing
    from ballotbox.services import format_runs
    from ballotbox.storage import repository

    if by_language and not by_format:
        raise InputError(N_("--by-language splits --by-format labels: give --by-format too."))
    with session(write=False) as (s, _ctx):
        election = repository.election_by_slug(s, slug)
        groups = format_runs.members_by_group(
            s, election, only_without_card=only_without_card, by_language=by_language
        )
    if not groups:
        raise InputError(N_("There is no one to print a label for."))
    if by_format:
        files = {
            format_runs.format_path(out, format_runs.group_name(key)): group
            for key, group in groups.items()
        }
    else:
        files = {out: [m for group in groups.values() for m in group]}
    refuse_existing(*files)
    for path, chosen in files.items():
        run = render_address_labels(sorted(chosen, key=lambda m: (m.org, m.number)), path, layout)
        console.print(f"Wrote {run.labels} label(s) to {path}.")
        if run.no_address:
            missing = ", ".join(run.no_address[:SHOWN])
            console.print(f"{len(run.no_address)} member(s) have no address: {missing}")


def register(app: typer.Typer) -> None:
    """Add the ``members`` command group."""
    from ballotbox.cli import members_resolve

    members_resolve.register(members_app)
    app.add_typer(members_app, name="members")
