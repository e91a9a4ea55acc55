"""The JSON API beside the pages (OpenAPI at /docs).  Errors: ``{"error", "detail"}``."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlmodel import Session

from ballotbox.adapters.httpkit.deps import CasterDep, ContextDep, SessionDep, refuse
from ballotbox.adapters.httpkit.limits import charged, client_address, get_guard
from ballotbox.core.errors import BallotboxError
from ballotbox.services import Context, elections
from ballotbox.services.elections import aware, effective_state, iso
from ballotbox.storage import repository

router = APIRouter(prefix="/api/v1", tags=["ballots"])


class BallotIn(BaseModel):
    """A ballot: the token from the card and the choices."""

    token: str = Field(
        ...,
        max_length=200,
        examples=["4821 0937 5512 8840 3316"],
        description="The ballot token; spaces, dashes and dots are ignored.",
    )
    choices: list[int] = Field(
        ...,
        max_length=1000,
        examples=[[3, 1, 2]],
        description="Candidate numbers in preference order (ranked methods) or the selected ones.",
    )


class ErrorOut(BaseModel):
    """Every error response."""

    error: str = Field(description="A stable machine-readable code, e.g. token_used.")
    detail: Any = Field(description="What went wrong, in plain words.")


class ReceiptOut(BaseModel):
    """An accepted ballot."""

    election: str
    channel: str
    choices: list[int]
    names: list[str]
    receipt: dict[str, Any] = Field(description="The signed receipt: keep it to check your vote.")


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "Unknown token or election."},
    409: {"model": ErrorOut, "description": "Token already used or void, or voting not open."},
    422: {"model": ErrorOut, "description": "Malformed token or invalid choices."},
    429: {
        "model": ErrorOut,
        "description": "Too many failed token attempts from this client: wait and try again.",
    },
}


@router.post(
    "/elections/{slug}/ballots", status_code=201, response_model=ReceiptOut, responses=ERRORS
)
def cast_ballot(
    slug: str,
    ballot: BallotIn,
    request: Request,
    session: SessionDep,  # where a refused cast is counted
    ctx: ContextDep,
    caster: CasterDep,
) -> ReceiptOut:
    """Cast a ballot with a token; returns the signed receipt."""
    guard, source = get_guard(request), client_address(request)
    try:
        guard.check("web", source)  # before any look-up: this client's failures used up
        receipt = caster(ballot.token, ballot.choices, "web", election_slug=slug)
    except BallotboxError as error:  # counted for the audit page and charged to the client
        refuse(request, keep=charged(request, error, source=source, slug=slug))
        raise
    return ReceiptOut(
        election=receipt.election,
        channel=receipt.channel,
        choices=receipt.choices,
        names=receipt.names,
        receipt=receipt.receipt,
    )


def _summary(session: Session, ctx: Context, slug: str) -> dict[str, Any]:
    election = repository.election_by_slug(session, slug)
    view = elections.overview(session, election)
    return {
        "slug": election.slug,
        "title": election.title,
        "method": election.method,
        "seats": election.seats,
        "state": effective_state(election, ctx.clock.now()),
        "opens": iso(aware(election.opens_at)),
        "closes": iso(aware(election.closes_at)),
        "candidates": [
            {"number": c.number, "name": c.name, "statement": c.statement, "url": c.url}
            for c in view.definition.candidates
        ],
        "channels": view.definition.channels,
        "turnout": {"total": view.voted, "by_channel": view.turnout},
        "tokens_issued": view.issued,
    }


@router.get("/elections", tags=["elections"])
def list_elections(session: SessionDep, ctx: ContextDep) -> list[dict[str, Any]]:
    """Every election with its state and turnout (never running results)."""
    return [_summary(session, ctx, e.slug) for e in repository.elections(session)]


@router.get("/elections/{slug}", tags=["elections"], responses={404: ERRORS[404]})
def get_election(slug: str, session: SessionDep, ctx: ContextDep) -> dict[str, Any]:
    """One election: definition, state and turnout."""
    return _summary(session, ctx, slug)


@router.get("/elections/{slug}/result", tags=["elections"], responses={404: ERRORS[404]})
def get_result(slug: str, session: SessionDep) -> JSONResponse:
    """The count, round by round, once the election has been counted."""
    election = repository.election_by_slug(session, slug)
    if not election.result:
        return JSONResponse(
            {"error": "not_counted", "detail": "This election has not been counted yet."}, 404
        )
    return JSONResponse(json.loads(election.result))
