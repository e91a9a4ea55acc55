"""``ballotbox election …``: define, edit or delete drafts, open, close, show and list."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ballotbox.core.errors import FileFormatError

if TYPE_CHECKING:
    from ballotbox.definition import ContestDefinition, ElectionDefinition

election_app = typer.Typer(
    help="Define, edit, open, close and inspect elections; see what they cost.",
    no_args_is_help=True,
)


def read_text(path: Path) -> str:
    """A text file's contents, or one clear error."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileFormatError("no such file", source=str(path)) from None
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"not UTF-8 text ({exc.reason})", source=str(path)) from None
    except OSError as exc:
        raise FileFormatError(exc.strerror or "cannot be read", source=str(path)) from None


@election_app.command("create")
def create(file: Path = typer.Argument(..., help="The election definition (TOML).")) -> None:
    """Validate a TOML definition and create the election as a draft.

    Example: ballotbox election create nec-2027.toml
    """
    from ballotbox.cli.common import console, session
    from ballotbox.definition import parse_definition
    from ballotbox.services import elections

    definition = parse_definition(read_text(file), source=str(file))
    with session() as (s, ctx):
        election = elections.create(s, ctx, definition)
    console.print(
        f"Created [bold]{election.slug}[/]: {election.title} ({_summary(definition)}). "
        f"Next: ballotbox tokens issue {election.slug} --count N --csv cards.csv"
    )


@election_app.command("edit")
def edit(
    slug: str = typer.Argument(..., help="The draft's slug."),
    file: Path = typer.Argument(..., help="The corrected definition (TOML), same slug."),
) -> None:
    """Replace a draft's definition with a corrected TOML file, checked like election create.

    Only a draft with no cards yet can be edited (no tokens issued, nothing
    printed); after that the definition is what the cards were printed for.
    The slug cannot change.  The edit is kept in the officer action log.

    Example: ballotbox election edit nec-2027 nec-2027.toml
    """
    from ballotbox.cli.common import console, session
    from ballotbox.cli.members_resolve import actor
    from ballotbox.definition import parse_definition
    from ballotbox.services import drafts
    from ballotbox.storage import repository

    definition = parse_definition(read_text(file), source=str(file))
    with session() as (s, ctx):
        election = repository.election_by_slug(s, slug)
        drafts.replace_definition(s, ctx, election, definition, actor=actor())
    console.print(
        f"Updated the draft [bold]{slug}[/]: {definition.title} ({_summary(definition)})."
    )


@election_app.command("delete")
def delete(
    slug: str = typer.Argument(..., help="The draft's slug."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Delete a draft ballot and its registers, before any card exists for it.

    Refused once tokens are issued or cards printed.  The deletion is kept in
    the officer action log.

    Example: ballotbox election delete nec-2027-typo --yes
    """
    from ballotbox.cli.common import console, session
    from ballotbox.cli.members_resolve import actor
    from ballotbox.services import drafts
    from ballotbox.storage import repository

    with session() as (s, ctx):
        election = repository.election_by_slug(s, slug)
        why = drafts.locked_reason(s, election)
        if why is None and not yes:
            members = len(repository.members(s, election.id or 0))
            question = f"Delete the draft {slug} ({election.title}, {members} member(s))?"
            if not typer.confirm(question, default=False):
                console.print("Nothing was deleted.")
                raise typer.Exit(1)
        drafts.delete_draft(s, ctx, election, actor=actor())
    console.print(f"Deleted the draft [bold]{slug}[/]; the deletion is in the officer action log.")


def _contest_summary(contest: ContestDefinition) -> str:
    """``scottish-stv, 6 seat(s), 12 candidates`` (a referendum: its threshold)."""
    if contest.method == "referendum":
        return f"referendum, Yes needs more than {contest.threshold}"
    return f"{contest.method}, {contest.seats} seat(s), {len(contest.candidates)} candidates"


def _summary(definition: ElectionDefinition) -> str:
    """One contest's summary, or ``3 contests: A …; B …; C …``."""
    if definition.single:
        return _contest_summary(definition.contests[0])
    listed = "; ".join(f"{c.key} {_contest_summary(c)}" for c in definition.contests)
    return f"{len(definition.contests)} contests: {listed}"


@election_app.command("open")
def open_(slug: str = typer.Argument(..., help="The election's slug.")) -> None:
    """Open voting now and publish the signed token commitment.

    Example: ballotbox election open nec-2027
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services import elections
    from ballotbox.storage import repository

    with session() as (s, ctx):
        election = repository.election_by_slug(s, slug)
        commitment = elections.open_now(s, ctx, election)
    body = commitment["body"]
    console.print(
        f"[bold]{slug}[/] is open. Commitment: {body['tokens_issued']} tokens, "
        f"{len(body['void'])} void, Merkle root {body['merkle_root']}"
    )


@election_app.command("close")
def close(slug: str = typer.Argument(..., help="The election's slug.")) -> None:
    """Close voting now (before the scheduled time).

    Example: ballotbox election close nec-2027
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services import elections
    from ballotbox.storage import repository

    with session() as (s, ctx):
        election = repository.election_by_slug(s, slug)
        elections.close_now(s, ctx, election)
    console.print(f"[bold]{slug}[/] is closed. Next: ballotbox tally {slug}")


@election_app.command("show")
def show(slug: str = typer.Argument(..., help="The election's slug.")) -> None:
    """Show an election's definition, state, tokens and turnout (never running results).

    Example: ballotbox election show nec-2027
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services import elections
    from ballotbox.services.elections import aware, iso
    from ballotbox.storage import repository

    with session(write=False) as (s, _ctx):
        election = repository.election_by_slug(s, slug)
        view = elections.overview(s, election)
    d = view.definition
    console.print(f"[bold]{d.title}[/] ({d.slug})")
    if d.description:
        console.print(d.description)
    console.print(f"Channels: {', '.join(d.channels)}")
    console.print(f"Opens {iso(aware(election.opens_at))}, closes {iso(aware(election.closes_at))}")
    console.print(f"State: [bold]{election.state}[/]")
    console.print(
        "Tokens: "
        + ", ".join(f"{n} {state}" for state, n in sorted(view.tokens.items()))
        + f" ({view.issued} issued)"
    )
    turnout = ", ".join(f"{n} by {ch}" for ch, n in sorted(view.turnout.items())) or "none yet"
    console.print(f"Turnout: {view.voted} ({turnout})")
    for contest in d.contests:
        _show_contest(contest, keyed=not d.single)


def _show_contest(contest: ContestDefinition, *, keyed: bool) -> None:
    """One contest: its key and title (on a ballot of several), rules and candidates."""
    from rich.table import Table

    from ballotbox.cli.common import console

    if keyed:
        console.print(f"\n[bold]{contest.key}  {contest.title}[/]", soft_wrap=True)
        if contest.description:
            console.print(contest.description, soft_wrap=True)
    if contest.method == "referendum":
        counted = "Yes, No and Abstain" if contest.abstentions_count else "Yes and No"
        console.print(
            f"Method: referendum; carried when Yes is more than {contest.threshold} of {counted}",
            soft_wrap=True,
        )
        return
    rules = f"Method: {contest.method}, seats: {contest.seats}"
    if contest.method == "plurality":
        rules += f", vote for up to {contest.choice_limit}"
    for rule in contest.group_minimums:
        rules += f"; at least {rule.minimum} from “{rule.group}”"
    console.print(rules, soft_wrap=True)
    table = Table("No.", "Candidate", "Group", "Statement")
    for c in contest.candidates:
        table.add_row(str(c.number), c.name, c.group, c.url or c.statement[:60])
    console.print(table)


@election_app.command("list")
def list_() -> None:
    """List every election with its state and turnout.

    Example: ballotbox election list
    """
    from rich.table import Table

    from ballotbox.cli.common import console, session
    from ballotbox.services import elections
    from ballotbox.services.elections import aware, iso
    from ballotbox.storage import repository

    with session(write=False) as (s, _ctx):
        rows = [(e, elections.overview(s, e)) for e in repository.elections(s)]
    table = Table("Slug", "Title", "Contests", "State", "Issued", "Voted", "Closes")
    for e, view in rows:
        methods = "\n".join(f"{c.key} {c.method}" for c in view.definition.contests)
        table.add_row(
            e.slug,
            e.title,
            view.definition.contests[0].method if view.definition.single else methods,
            e.state,
            str(view.issued),
            str(view.voted),
            iso(aware(e.closes_at)),
        )
    console.print(
        table if rows else "No elections yet. Create one: ballotbox election create FILE.toml"
    )


def register(app: typer.Typer) -> None:
    """Add the ``election`` command group."""
    from ballotbox.cli.election_costs import costs

    election_app.command("costs")(costs)
    app.add_typer(election_app, name="election")
