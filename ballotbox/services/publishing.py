"""Publishing a counted election: the audit bundle on disk, and the same bytes in the database.

``publish`` appends ``published`` to the chain, signs a last checkpoint so the
whole log is covered, gathers everything from the database into a
:class:`ballotbox.core.audit.bundle.BundleData` and writes the bundle (directory + zip) with
:func:`ballotbox.core.audit.bundle.write_bundle`.  The files are also stored, byte for byte,
in ``published_file``: the public pages serve exactly what the officer
published, from any host that shares the database, without the key directory.
Besides the bundle, ``ballots.json`` is stored for the "check my vote" page:
the token → vote list with each ballot's receipt code, plus the unused and
void token hashes, so the browser can answer every lookup itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ballotbox.core.audit.bundle import BallotRow, BundleData, LogEntry, pretty_json, write_bundle
from ballotbox.core.audit.chain import ballot_hash
from ballotbox.core.audit.receipts import receipt_code
from ballotbox.core.errors import LifecycleError
from ballotbox.core.i18n import N_
from ballotbox.core.printing.outputs import refuse_existing
from ballotbox.services import checkpoints, continuity
from ballotbox.services.context import Context
from ballotbox.services.elections import definition_document, iso
from ballotbox.storage import ledger, repository
from ballotbox.storage.models import Election, ElectionState, PublishedFile

ZIP_NAME = "bundle.zip"
CHECK_LIST = "ballots.json"
CHECK_FORMAT = "ballotbox-check/1"


@dataclass(frozen=True)
class Published:
    """Where the bundle went and what the officer should announce."""

    directory: Path
    archive: Path
    ballots: int
    zip_sha256: str


def publish(session: Session, ctx: Context, election: Election, out_dir: Path) -> Published:
    """Publish a counted election's bundle to ``out_dir`` (and ``out_dir``.zip)."""
    if election.state == ElectionState.PUBLISHED:
        raise LifecycleError(
            N_("“{slug}” is already published; its bundle is at /elections/{slug}/bundle.zip."),
            slug=election.slug,
        )
    if election.state != ElectionState.COUNTED:
        raise LifecycleError(
            N_(
                "“{slug}” is {state}: only a counted election can be published. "
                "Run ballotbox tally {slug} first."
            ),
            slug=election.slug,
            state=election.state,
        )
    continuity.require_continuity(session, ctx, election)
    archive = out_dir.with_name(out_dir.name + ".zip")
    refuse_existing(out_dir, archive)
    assert election.id is not None
    ledger.append(session, election.id, {"kind": "published", "time": iso(ctx.clock.now())})
    checkpoints.sign(session, ctx, election)
    election.state = ElectionState.PUBLISHED
    session.add(election)
    session.flush()

    data = bundle_data(session, ctx, election)
    directory, archive = write_bundle(data, ctx.keys.signing_key(election.slug), out_dir)
    files = {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}
    files[ZIP_NAME] = archive.read_bytes()
    files[CHECK_LIST] = pretty_json(check_list(session, ctx, election, data))
    for name, content in files.items():
        session.add(PublishedFile(election_id=election.id, name=name, data=content))
    session.flush()
    return Published(
        directory=directory,
        archive=archive,
        ballots=len(data.ballots),
        zip_sha256=hashlib.sha256(files[ZIP_NAME]).hexdigest(),
    )


def bundle_data(session: Session, ctx: Context, election: Election) -> BundleData:
    """Everything the bundle holds, read from the database and the key directory."""
    assert election.id is not None
    if election.result is None:
        raise LifecycleError(N_("“{slug}” has no stored result."), slug=election.slug)
    opened = repository.lifecycle_entry(session, election.id, "opened")
    if opened is None:
        raise LifecycleError(N_("“{slug}” was never opened."), slug=election.slug)
    key = ctx.keys.signing_key(election.slug)
    tokens = repository.tokens_with_state(session, election.id)
    return BundleData(
        definition=definition_document(election),
        public_key=key.verify_key.encode().hex(),
        commitment=json.loads(opened.payload)["commitment"],
        token_key=ctx.keys.token_key(election.slug),
        tokens=[(token_hash.hex(), state) for token_hash, state in tokens],
        ballots=[
            BallotRow(token=b.token, channel=b.channel, choices=tuple(json.loads(b.choices)))
            for b in repository.ballots(session, election.id)
        ],
        log=[
            LogEntry(position=e.position, payload=json.loads(e.payload), hash=e.entry_hash.hex())
            for e in repository.log_entries(session, election.id)
        ],
        checkpoints=checkpoints.envelopes(session, election),
        result=json.loads(election.result),
    )


def check_list(
    session: Session, ctx: Context, election: Election, data: BundleData
) -> dict[str, Any]:
    """The published list the "check my vote" page downloads once and searches in the browser."""
    assert election.id is not None
    hashes = {b.token: bytes(b.token_hash) for b in repository.ballots(session, election.id)}
    states: dict[str, list[str]] = {"unused": [], "void": []}
    for token_hash_hex, state in data.tokens:
        if state in states:
            states[state].append(token_hash_hex)
    return {
        "format": CHECK_FORMAT,
        "election": election.slug,
        "title": election.title,
        "candidates": {str(c["number"]): c["name"] for c in data.definition.get("candidates", [])},
        "token_key": data.token_key.hex(),
        "ballots": {
            row.token: [
                row.channel,
                list(row.choices),
                receipt_code(hashes[row.token], ballot_hash(row.token, list(row.choices))),
            ]
            for row in data.ballots
        },
        "unused": states["unused"],
        "void": states["void"],
    }


def stored_file(session: Session, election: Election, name: str) -> bytes | None:
    """A published file's bytes as ``ballotbox publish`` wrote them, or None."""
    assert election.id is not None
    row = repository.published_file(session, election.id, name)
    return None if row is None else bytes(row.data)
