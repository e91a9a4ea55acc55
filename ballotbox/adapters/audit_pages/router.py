"""Routes of the public audit pages.

* ``/elections/{slug}/audit``: the live audit page. Definition, public key,
  commitment, checkpoints, turnout by channel and rejected attempts; never a
  running result.
* ``/elections/{slug}/results``: the count round by round, table and chart (each
  contest in turn on a ballot of several).
* ``/elections/{slug}/check``: "check my vote". The page's script downloads the
  published list once and looks tokens up in the browser. There is no route
  that takes a token.
* ``/elections/{slug}/bundle.zip``, ``ballots.csv``, ``ballots.json`` and
  ``bundle/{file}``: the published files, byte for byte as ``ballotbox
  publish`` stored them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlmodel import Session

from ballotbox.adapters.audit_pages.templating import render
from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep
from ballotbox.adapters.httpkit.limits import get_guard
from ballotbox.core.audit.bundle import is_bundle_file, pretty_json
from ballotbox.core.audit.chain import document_hash
from ballotbox.core.errors import NotFoundError
from ballotbox.core.i18n import N_
from ballotbox.services import Context, checkpoints, elections, publishing
from ballotbox.services.disputes import dispute_summary
from ballotbox.services.elections import definition_document, definition_of, effective_state
from ballotbox.storage import repository
from ballotbox.storage.keys import KeyMissingError
from ballotbox.storage.models import Election, ElectionState

router = APIRouter(include_in_schema=False)


STATIC = Path(__file__).parent / "static"
MEDIA_TYPES = {
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".jsonl": "application/x-ndjson",
    ".zip": "application/zip",
}
COUNTED = {ElectionState.COUNTED, ElectionState.PUBLISHED}
# Published files never change; a day of caching spares the server and reveals nothing.
PUBLISHED_CACHE = "public, max-age=86400"


class NotPublishedError(NotFoundError):
    code = "not_published"
    template = N_(
        "“{slug}” has not been published yet: the bundle and the token → vote list appear "
        "here once voting has closed and the votes have been counted."
    )


class NoCommitmentError(NotFoundError):
    code = "not_opened"
    template = N_("“{slug}” has not opened yet, so there is no commitment to show.")


@router.get("/audit/check.js")
def check_script() -> FileResponse:
    """The check-my-vote script (same origin, so the CSP allows it)."""
    return FileResponse(STATIC / "check.js", media_type="text/javascript")


@router.get("/audit/audit.css")
def audit_style() -> FileResponse:
    """Styles for the results table, chart and audit pages."""
    return FileResponse(STATIC / "audit.css", media_type="text/css")


def _commitment(session: Session, election: Election) -> dict[str, Any] | None:
    assert election.id is not None
    opened = repository.lifecycle_entry(session, election.id, "opened")
    if opened is None:
        return None
    commitment: dict[str, Any] = json.loads(opened.payload)["commitment"]
    return commitment


def _public_key(ctx: Context, election: Election) -> str | None:
    try:
        return ctx.keys.signing_key(election.slug).verify_key.encode().hex()
    except KeyMissingError:
        return None


def _result(election: Election) -> dict[str, Any] | None:
    if election.state in COUNTED and election.result:
        return json.loads(election.result)  # type: ignore[no-any-return]
    return None


@router.get("/elections/{slug}/audit", response_class=HTMLResponse)
def audit_page(slug: str, request: Request, session: SessionDep, ctx: ContextDep) -> HTMLResponse:
    """The live audit page: what observers may copy while voting runs; never running results."""
    election = repository.election_by_slug(session, slug)
    assert election.id is not None
    view = elections.overview(session, election)
    document = definition_document(election)
    signed = [json.loads(c.envelope) for c in repository.checkpoints(session, election.id)]
    return render(
        request,
        "audit.html",
        {
            "election": election,
            "view": view,
            "state": effective_state(election, ctx.clock.now()),
            "definition_json": json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False),
            "definition_hash": document_hash(document),
            "public_key": _public_key(ctx, election),
            "commitment": _commitment(session, election),
            "checkpoints": signed,
            "rejected": repository.rejections(session, slug),
            "rejected_elsewhere": repository.rejections(session, ""),
            "flood": get_guard(request).flood(),
            "flood_alert": ctx.settings.flood_alert,
            "flood_minutes": int(get_guard(request).limits.window_s // 60),
            "counted": election.state in COUNTED,
            "published": election.state == ElectionState.PUBLISHED,
            "disputes": dispute_summary(session, election.id),
        },
    )


@router.get("/elections/{slug}/audit/checkpoints.json")
def checkpoints_json(slug: str, session: SessionDep) -> Response:
    """Every signed checkpoint so far, in log order: keep a copy to compare with the bundle."""
    election = repository.election_by_slug(session, slug)
    return _json_file(
        pretty_json(checkpoints.envelopes(session, election)),
        f"{slug}-checkpoints.json",
        cache="no-store",
    )


@router.get("/elections/{slug}/audit/commitment.json")
def commitment_json(slug: str, session: SessionDep) -> Response:
    """The signed token commitment published at opening."""
    election = repository.election_by_slug(session, slug)
    commitment = _commitment(session, election)
    if commitment is None:
        raise NoCommitmentError(slug=slug)
    return _json_file(pretty_json(commitment), f"{slug}-commitment.json", cache=PUBLISHED_CACHE)


@router.get("/elections/{slug}/audit/election.json")
def election_json(slug: str, session: SessionDep) -> Response:
    """The election definition exactly as hashed into the commitment."""
    election = repository.election_by_slug(session, slug)
    return _json_file(
        pretty_json(definition_document(election)), f"{slug}-election.json", cache="no-store"
    )


def _json_file(data: bytes, filename: str, *, cache: str) -> Response:
    return Response(
        data,
        media_type="application/json",
        headers={"content-disposition": f'inline; filename="{filename}"', "cache-control": cache},
    )


@router.get("/elections/{slug}/results", response_class=HTMLResponse)
def results_page(slug: str, request: Request, session: SessionDep, ctx: ContextDep) -> HTMLResponse:
    """The result round by round, with a chart; only once the votes have been counted."""
    election = repository.election_by_slug(session, slug)
    return render(
        request,
        "results.html",
        {
            "election": election,
            "definition": definition_of(election),
            "state": effective_state(election, ctx.clock.now()),
            "result": _result(election),
            "published": election.state == ElectionState.PUBLISHED,
        },
    )


@router.get("/elections/{slug}/check", response_class=HTMLResponse)
def check_page(slug: str, request: Request, session: SessionDep, ctx: ContextDep) -> HTMLResponse:
    """Check my vote: the lookup runs in your browser over the published list."""
    election = repository.election_by_slug(session, slug)
    return render(
        request,
        "check.html",
        {
            "election": election,
            "definition": definition_of(election),
            "state": effective_state(election, ctx.clock.now()),
            "published": election.state == ElectionState.PUBLISHED,
        },
    )


def _published(session: Session, slug: str, name: str, download: str | None = None) -> Response:
    election = repository.election_by_slug(session, slug)
    data = publishing.stored_file(session, election, name)
    if election.state != ElectionState.PUBLISHED or data is None:
        raise NotPublishedError(slug=slug)
    suffix = Path(name).suffix
    headers = {"cache-control": PUBLISHED_CACHE}
    if download:
        headers["content-disposition"] = f'attachment; filename="{download}"'
    return Response(
        data, media_type=MEDIA_TYPES.get(suffix, "text/plain; charset=utf-8"), headers=headers
    )


@router.get("/elections/{slug}/bundle.zip")
def bundle_zip(slug: str, session: SessionDep) -> Response:
    """The whole audit bundle as published (check it with ballotbox-verify)."""
    return _published(session, slug, publishing.ZIP_NAME, download=f"{slug}-bundle.zip")


@router.get("/elections/{slug}/ballots.csv")
def ballots_csv(slug: str, session: SessionDep) -> Response:
    """The token → vote list (token, channel, choices), sorted by token."""
    return _published(session, slug, "ballots.csv", download=f"{slug}-ballots.csv")


@router.get("/elections/{slug}/ballots.json")
def ballots_json(slug: str, session: SessionDep) -> Response:
    """The list the check page searches: ballots with codes, unused and void token hashes."""
    return _published(session, slug, publishing.CHECK_LIST)


@router.get("/elections/{slug}/bundle/{name}")
def bundle_file(slug: str, name: str, session: SessionDep) -> Response:
    """One file of the published bundle."""
    if not is_bundle_file(name):
        raise NotPublishedError(slug=slug)
    return _published(session, slug, name)
