"""Print runs started from the console, their files (downloadable once, then deleted), voiding.

The files hold the ballot tokens, so the server keeps them only until the
officer has downloaded each one.  A run writes into ``<run>.staging`` under
the key folder's ``print-runs/<slug>/``; only when the transaction that
issued the tokens commits is it renamed to ``<run>`` and offered for
download (a run that rolls back leaves a staging folder, removed at the next
run).  Handing a file over deletes it; the folder goes with its last file.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from ballotbox.core.errors import InputError, NotFoundError
from ballotbox.core.i18n import N_
from ballotbox.core.tokens.format import parse
from ballotbox.services import issuance, officer_log, print_runs
from ballotbox.services.accounts import require
from ballotbox.services.context import Context
from ballotbox.services.roles import Permission
from ballotbox.storage import repository
from ballotbox.storage.aftercommit import after_commit
from ballotbox.storage.models_postal import Teller

MAX_CARDS = 100_000
RUN_ID = re.compile(r"^[0-9a-f]{32}\Z")
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\Z")
LAYOUTS = ("business", "a4", "avery", "ballot-paper", "ballot-paper-large")


@dataclass(frozen=True)
class Download:
    """One file of a print run waiting to be downloaded."""

    run: str
    name: str
    size: int


def runs_folder(ctx: Context, slug: str) -> Path:
    """Where a ballot's print runs wait for download."""
    return Path(ctx.keys.key_dir) / "print-runs" / slug


def start_run(
    session: Session,
    ctx: Context,
    who: Teller,
    slug: str,
    *,
    count: int,
    layout: str,
    split: int | None,
    reserve: bool,
    csv: bool,
) -> print_runs.PrintResult:
    """Issue ``count`` tokens as cards (PDF, and a print-house CSV if asked) for download."""
    require(who, Permission.RUN_BALLOTS)
    if not 1 <= count <= MAX_CARDS:
        raise InputError(N_("Issue between 1 and {n} cards in one run."), n=MAX_CARDS)
    if layout not in LAYOUTS:
        raise InputError(N_("Choose a layout from the list."))
    if split is not None and split < 1:
        raise InputError(N_("Cards per file must be at least 1."))
    election = repository.election_by_slug(session, slug)
    folder = runs_folder(ctx, slug)
    for leftover in folder.glob("*.staging"):  # runs whose transaction rolled back
        shutil.rmtree(leftover, ignore_errors=True)
    run = ctx.random_bytes(16).hex()
    staging = folder / f"{run}.staging"
    staging.mkdir(parents=True, mode=0o700)
    stem = f"{slug}-{'reserve' if reserve else 'cards'}"
    job = print_runs.PrintJob(
        pdf=staging / f"{stem}.pdf",
        csv=staging / f"{stem}.csv" if csv else None,
        layout=layout,
        split=split,
        reserve=reserve,
    )
    with print_runs.removed_on_failure() as created:
        result = print_runs.issue_and_print(session, ctx, election, count, job, created=created)
    after_commit(session, ("print-run", run), lambda: os.replace(staging, folder / run))
    stock = "reserve" if reserve else "main"
    officer_log.record(
        session,
        ctx,
        who,
        "cards_issued",
        ballot=slug,
        detail=f"{result.cards} {stock} cards {result.first_serial}-{result.last_serial}, "
        f"layout {layout}",
    )
    return result


def waiting(ctx: Context, who: Teller, slug: str) -> list[Download]:
    """Files of committed runs not yet downloaded."""
    require(who, Permission.RUN_BALLOTS)
    folder = runs_folder(ctx, slug)
    if not folder.is_dir():
        return []
    found = []
    for run in sorted(p for p in folder.iterdir() if RUN_ID.match(p.name)):
        for path in sorted(run.iterdir()):
            found.append(Download(run.name, path.name, path.stat().st_size))
    return found


def take(session: Session, ctx: Context, who: Teller, slug: str, run: str, name: str) -> bytes:
    """A waiting file's bytes; the file is deleted from the server as it is handed over."""
    require(who, Permission.RUN_BALLOTS)
    path = runs_folder(ctx, slug) / run / name
    if not (RUN_ID.match(run) and FILE_NAME.match(name)) or not path.is_file():
        raise NotFoundError(
            N_("That file is not here: it was downloaded already, or never existed.")
        )
    data = path.read_bytes()
    path.unlink()
    if not any(path.parent.iterdir()):
        path.parent.rmdir()
    officer_log.record(session, ctx, who, "cards_downloaded", ballot=slug, detail=name)
    return data


def void_cards(session: Session, ctx: Context, who: Teller, slug: str, text: str) -> int:
    """Void the cards whose tokens are typed or scanned in ``text`` (one a line); returns how many.

    Every line must be a well-formed token of this ballot or nothing is voided.
    The officer log records how many, never which.
    """
    require(who, Permission.RUN_BALLOTS)
    # A scanned card gives its QR code's address, …/v/<token>: the token is after the last /v/.
    lines = [line.strip().rsplit("/v/", 1)[-1] for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputError(N_("Type or scan the tokens to void, one a line."))
    if len(lines) > MAX_CARDS:
        raise InputError(N_("Void at most {n} cards at once."), n=MAX_CARDS)
    parsed = []
    for number, line in enumerate(lines, start=1):
        try:
            parsed.append(parse(line))
        except InputError as error:
            raise InputError(
                N_("Line {number}: {problem}"), number=number, problem=error.message
            ) from None
    newly = issuance.void(session, ctx, repository.election_by_slug(session, slug), parsed)
    officer_log.record(
        session, ctx, who, "cards_voided", ballot=slug, detail=f"{newly} of {len(parsed)} given"
    )
    return newly
