"""``ballotbox election …``: define, open, close, show and list elections."""

from __future__ import annotations

from pathlib import Path

import typer

from ballotbox.core.errors import FileFormatError

election_app = typer.Typer(help="Define, open, close and inspect elections.", no_args_is_help=True)


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
        f"Created [bold]{election.slug}[/]: {election.title} "
        f"({definition.method}, {definition.seats} seat(s), "
        f"{len(definition.candidates)} candidates). "
        f"Next: ballotbox tokens issue {election.slug} --count N --csv cards.csv"
    )


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
    from rich.table import Table

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
    console.print(f"Method: {d.method}, seats: {d.seats}; channels: {', '.join(d.channels)}")
    console.print(f"Opens {iso(aware(election.opens_at))}, closes {iso(aware(election.closes_at))}")
    console.print(f"State: [bold]{election.state}[/]")
    console.print(
        "Tokens: "
        + ", ".join(f"{n} {state}" for state, n in sorted(view.tokens.items()))
        + f" ({view.issued} issued)"
    )
    turnout = ", ".join(f"{n} by {ch}" for ch, n in sorted(view.turnout.items())) or "none yet"
    console.print(f"Turnout: {view.voted} ({turnout})")
    table = Table("No.", "Candidate", "Group", "Statement")
    for c in d.candidates:
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
    table = Table("Slug", "Title", "Method", "State", "Issued", "Voted", "Closes")
    for e, view in rows:
        table.add_row(
            e.slug,
            e.title,
            e.method,
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
    app.add_typer(election_app, name="election")
