"""The work behind `ballotbox backup`, `restore` and `election override-restore`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from sqlmodel import Session

from ballotbox.cli.common import NotInitialisedError, console, session, settings
from ballotbox.core.audit.bundle import BundleReadError
from ballotbox.core.audit.saved_checkpoints import SavedCheckpoints, load_saved
from ballotbox.core.errors import BallotboxError, FileFormatError, InputError
from ballotbox.core.i18n import N_
from ballotbox.services import Context, continuity
from ballotbox.storage import backup as store
from ballotbox.storage import repository
from ballotbox.storage.db import make_engine, transaction
from ballotbox.storage.migrate import is_current
from ballotbox.storage.models import Election, ElectionState


class ConfirmationNeededError(InputError):
    code = "confirmation_needed"
    template = N_(
        "restore replaces the whole database at {url}; run it at a terminal to confirm, "
        "or add --yes."
    )


KEYS_STATEMENT = (
    "Not in this file: the key directory {key_dir} (each election's token-hash.key, "
    "signing.key and witness.json). Keep a copy of it apart from the database backups "
    '(deploy/README.md, "Key custody"): without the keys a restored database cannot check '
    "a token or sign anything. Restore keys only into an empty directory: never copy an old "
    "witness.json over a newer one."
)


def _size(count: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024  # type: ignore[assignment]
    return str(count)


def _listing(info: store.BackupInfo) -> str:
    if not info.elections:
        return "no elections"
    return "; ".join(
        f"{e.slug} ({e.state}, {e.ballots} ballots, {e.entries} log entries)"
        for e in info.elections
    )


def _read_saved(paths: list[Path]) -> list[SavedCheckpoints]:
    saved = []
    for path in paths:
        try:
            saved.append(load_saved(path))
        except BundleReadError as exc:
            raise FileFormatError(str(exc), source=str(path)) from None
    return saved


def run_backup(file: Path) -> None:
    """Copy the database to ``file`` and say what is (and is not) in it."""
    config = settings()
    engine = make_engine(config.database_url)
    try:
        info = store.backup(engine, file)
    finally:
        engine.dispose()
    console.print(
        f"Backed up {engine.url.render_as_string(hide_password=True)} to {file} "
        f"({_size(info.size)}, SHA-256 {info.sha256}): {_listing(info)}."
    )
    if any(e.state == ElectionState.OPEN for e in info.elections):
        console.print(
            "Taken while voting is open: besides the ballots so far it shows in what "
            "order they were stored (docs/security.md). Keep it as secret as the keys "
            "and destroy it once the election is over."
        )
    console.print(KEYS_STATEMENT.format(key_dir=config.key_dir.resolve()))


def run_restore(file: Path, yes: bool, checkpoint: list[Path]) -> None:
    """Replace the database with a backup, then report each election's continuity."""
    config = settings()
    engine = make_engine(config.database_url)
    url = engine.url.render_as_string(hide_password=True)
    kind, target = store.kind_of_file(file), store.kind_of_url(engine.url)
    if kind != target:
        raise store.BackupFileError(
            path=str(file), problem=f"is a {kind} backup but the database is {target}"
        )
    info = store.describe(file)
    saved = _read_saved(checkpoint)
    if not yes:
        if not sys.stdin.isatty():
            raise ConfirmationNeededError(url=url)
        console.print(f"{file} holds {_listing(info)}.")
        if not typer.confirm(f"Replace everything in {url} with it?", default=False):
            console.print("Nothing was changed.")
            raise typer.Exit(1)
    store.restore(engine, file)
    console.print(f"Restored {url} from {file} (SHA-256 {info.sha256}).")
    _report(config.database_url, saved)


def run_override_restore(slug: str, reason: str) -> None:
    """Accept a restored database that is behind the chain head seen before, with a reason."""
    with session() as (s, ctx):
        election = repository.election_by_slug(s, slug)
        found = continuity.override(s, ctx, election, reason)
    console.print(
        f"[bold]{slug}[/] resumes from entry {found.length - 1}; the loss of everything after "
        f"it (up to entry {found.witnessed.position}) is recorded in the log with your reason."
    )


def _report(database_url: str, saved: list[SavedCheckpoints]) -> None:
    """After a restore: schema, keys, and for every election whether it is on hold."""
    engine = make_engine(database_url)
    try:
        if not is_current(engine):
            raise NotInitialisedError(url=engine.url.render_as_string(hide_password=True))
        from ballotbox.wiring import context_for

        ctx = context_for(settings())
        with transaction(engine) as s:
            for election in repository.elections(s):
                _report_one(s, ctx, election, saved)
    finally:
        engine.dispose()


def _report_one(
    session: Session, ctx: Context, election: Election, saved: list[SavedCheckpoints]
) -> None:
    slug = election.slug
    if not ctx.keys.has(slug):
        console.print(
            f"[yellow]{slug}: its keys are not in {ctx.keys.folder(slug)}.[/] Copy them back "
            "from the key backup before anything else; until then no token can be checked."
        )
        return
    statements = [s for kept in saved for s in kept.statements]
    try:
        if statements:
            continuity.adopt_checkpoints(ctx, slug, statements)
        gap = continuity.gap(session, ctx, election)
    except BallotboxError as error:
        console.print(f"[yellow]{slug}:[/] {error.message}")
        return
    if gap is None:
        console.print(f"{slug} ({election.state}): the chain reaches every head seen here.")
    else:
        console.print(f"[bold red]{slug} is on hold:[/] {gap.describe()}")
