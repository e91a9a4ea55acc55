"""``ballotbox members merge|remove|set``: resolve duplicates and edit a member, with a reason."""

from __future__ import annotations

import typer


def actor() -> str:
    """Who is running the CLI, as the officer action log names them: ``cli:<login>``."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (some containers)
        return "cli"


def merge(
    slug: str = typer.Argument(..., help="The election's slug."),
    keep: int = typer.Argument(..., help="The id of the record to keep."),
    drop: int = typer.Argument(..., help="The id of the record to merge into it and remove."),
    reason: str = typer.Option("", "--reason", help="Why they are one person (kept in the log)."),
) -> None:
    """Merge two records of one person: KEEP stays (its empty fields filled from DROP), DROP goes.

    The ids are those `ballotbox members duplicates` shows.  A card recorded
    for DROP moves to KEEP; if both were given a card, nothing is merged.

    Example: ballotbox members merge nec-2027 12 31 --reason "same person, moved branch"
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services import members
    from ballotbox.storage import repository

    with session() as (s, ctx):
        election = repository.election_by_slug(s, slug)
        dropped = members.as_member(members.member_by_id(s, election, drop))
        kept = members.merge_members(s, ctx, election, keep, drop, reason=reason, actor=actor())
    console.print(
        f"Merged {dropped.org} {dropped.number} (id {drop}) into {kept.org} {kept.number} "
        f"(id {keep}, {kept.name}); the reason is in the officer action log."
    )


def remove(
    slug: str = typer.Argument(..., help="The election's slug."),
    member_id: int = typer.Argument(..., help="The member's id (from members duplicates)."),
    reason: str = typer.Option("", "--reason", help="Why they are removed (kept in the log)."),
) -> None:
    """Remove a member from the registers, with the reason logged; never one given a card.

    Example: ballotbox members remove nec-2027 31 --reason "left the union in 2026"
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services import members
    from ballotbox.storage import repository

    with session() as (s, ctx):
        election = repository.election_by_slug(s, slug)
        gone = members.remove_member(s, ctx, election, member_id, reason=reason, actor=actor())
    console.print(
        f"Removed {gone.org} {gone.number} ({gone.name}, id {member_id}) from the registers "
        f"of {slug}; the reason is in the officer action log."
    )


def set_(
    slug: str = typer.Argument(..., help="The election's slug."),
    member_id: int = typer.Argument(..., help="The member's id (members duplicates shows ids)."),
    card_format: str | None = typer.Option(
        None,
        "--format",
        help="standard, large-print, ballot-paper or ballot-paper-large.",
    ),
    language: str | None = typer.Option(
        None, "--language", help="A language code such as en or cy ('' for none)."
    ),
    reason: str = typer.Option("", "--reason", help="Why it changes (kept in the log)."),
) -> None:
    """Change a member's card format and/or language, with the reason logged; not once closed.

    Example: ballotbox members set nec-2027 12 --format large-print --reason "asked by phone"
    """
    from ballotbox.cli.common import console, session
    from ballotbox.services import members
    from ballotbox.storage import repository

    with session() as (s, ctx):
        election = repository.election_by_slug(s, slug)
        changed = members.set_member(
            s,
            ctx,
            election,
            member_id,
            card_format_text=card_format,
            language_text=language,
            reason=reason,
            actor=actor(),
        )
    console.print(
        f"{changed.org} {changed.number} ({changed.name}, id {member_id}) now has the "
        f"{changed.card_format} card, language {changed.language or 'not set'}; "
        "the reason is in the officer action log."
    )


def register(members_app: typer.Typer) -> None:
    """Add ``merge``, ``remove`` and ``set`` to the ``members`` group."""
    members_app.command("merge")(merge)
    members_app.command("remove")(remove)
    members_app.command("set")(set_)
