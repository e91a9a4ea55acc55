"""``ballotbox members merge|remove``: resolve duplicates, each with a reason in the action log."""

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


def register(members_app: typer.Typer) -> None:
    """Add ``merge`` and ``remove`` to the ``members`` group."""
    members_app.command("merge")(merge)
    members_app.command("remove")(remove)
