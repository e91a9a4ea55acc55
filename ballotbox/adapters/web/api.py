"""The JSON API beside the pages (OpenAPI at /docs).

Errors: ``{"error", "detail"}``, plus ``"contest"`` (its key) when the problem
is in one contest of the ballot.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session

from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep, cast_waiting, keep_refused
from ballotbox.adapters.httpkit.limits import charged, client_address
from ballotbox.core.errors import BallotboxError
from ballotbox.definition import ContestDefinition
from ballotbox.services import Context, elections
from ballotbox.services.elections import aware, effective_state, iso
from ballotbox.storage import repository

router = APIRouter(prefix="/api/v1", tags=["ballots"])


# "3" still reads as the number 3 (as it did when choices were numbers only); "yes" stays a word.
Choice = Annotated[int | str, Field(union_mode="left_to_right")]


class BallotIn(BaseModel):
    """A ballot: the token from the card and the choices for every contest."""

    token: str = Field(
        ...,
        max_length=200,
        examples=["4821 0937 5512 8840 3316"],
        description="The ballot token; spaces, dashes and dots are ignored.",
    )
    choices: dict[str, Annotated[list[Choice], Field(max_length=1000)]] | list[Choice] = Field(
        ...,
        max_length=26,
        examples=[{"A": [3, 1, 2], "B": [2], "C": ["yes"]}, [3, 1, 2]],
        description=(
            "Contest key → candidate numbers, in preference order for ranked methods, or the "
            'selected ones; a referendum\'s answer may be "yes", "no" or "abstain". A '
            "contest left out is left blank (at least one must be chosen). A ballot of one "
            "contest may give just the list."
        ),
    )


class ErrorOut(BaseModel):
    """Every error response."""

    error: str = Field(description="A stable machine-readable code, e.g. token_used.")
    detail: Any = Field(description="What went wrong, in plain words.")
    contest: str | None = Field(
        None, description="The key of the contest the problem is in, when it is in one."
    )


class ReceiptOut(BaseModel):
    """An accepted ballot: every contest's choices with names, and the signed receipt."""

    election: str
    channel: str
    ballot: dict[str, list[int]] = Field(
        description="Contest key → the choices recorded ([] for a contest left blank)."
    )
    ballot_names: dict[str, list[str]] = Field(description="The same choices by name.")
    choices: list[int] = Field(
        description="The first contest's choices (all of a one-contest ballot)."
    )
    names: list[str] = Field(description="The first contest's choices by name.")
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


_BODY = {"$ref": "#/components/schemas/BallotIn"}  # added to the document by document_body


@router.post(
    "/elections/{slug}/ballots",
    status_code=201,
    response_model=ReceiptOut,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _BODY}}}
    },
)
async def cast_ballot(slug: str, request: Request) -> JSONResponse:
    """Cast a ballot with a token; returns the signed receipt."""
    # The body is read and checked here against BallotIn, not by FastAPI: its own reading
    # of a body parameter cost a fifth of the CPU of a whole cast (benchmarks/RESULTS.md).
    # The same model, the same 422 answer; ``document_body`` puts it in the OpenAPI.
    ballot = _ballot_in(request.headers.get("content-type"), await request.body())
    # No thread and no session of its own: the batcher refuses the cast before any look-up
    # when this client's failures are used up (one read per batch), and answers once the
    # ballot is committed.
    source = client_address(request)
    try:
        receipt = await cast_waiting(
            request, ballot.token, ballot.choices, "web", election_slug=slug, source=("web", source)
        )
    except BallotboxError as error:  # counted for the audit page and charged to the client
        await keep_refused(request, charged(request, error, source=source, slug=slug))
        raise
    first = next(iter(receipt.ballot))  # the one-contest shape: choices and names as before
    # Already plain JSON values in ReceiptOut's shape: sent as they are, not validated again.
    return JSONResponse(
        {
            "election": receipt.election,
            "channel": receipt.channel,
            "ballot": receipt.ballot,
            "ballot_names": receipt.ballot_names,
            "choices": receipt.ballot[first],
            "names": receipt.ballot_names[first],
            "receipt": receipt.receipt,
        },
        status_code=201,
    )


def _ballot_in(content_type: str | None, body: bytes) -> BallotIn:
    """The body as a ballot, or the 422 FastAPI gives for a body parameter that fails."""
    media = (content_type or "application/json").split(";")[0].strip().lower()
    if not (media == "application/json" or media.endswith("+json")):
        problem = "Send the ballot as JSON (Content-Type: application/json)."
        raise RequestValidationError(
            [{"type": "model_attributes_type", "loc": ("body",), "msg": problem}]
        )
    if not body.strip():
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "Field required"}]
        )
    try:
        return BallotIn.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None


def document_body(schema: dict[str, Any]) -> None:
    """Describe the ballot endpoint's body (read by the route itself) in the OpenAPI ``schema``."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["BallotIn"] = BallotIn.model_json_schema(ref_template="#/components/schemas/{model}")


def _candidates(contest: ContestDefinition) -> list[dict[str, Any]]:
    return [
        {"number": c.number, "name": c.name, "statement": c.statement, "url": c.url}
        for c in contest.candidates
    ]


def _contest(contest: ContestDefinition) -> dict[str, Any]:
    return {
        "key": contest.key,
        "title": contest.title,
        "description": contest.description,
        "method": contest.method,
        "seats": contest.seats,
        "max_choices": contest.choice_limit,
        "threshold": contest.threshold if contest.method == "referendum" else None,
        "candidates": _candidates(contest),
    }


def _summary(session: Session, ctx: Context, slug: str) -> dict[str, Any]:
    """An election as the API shows it; a one-contest ballot also keeps its flat fields."""
    election = repository.election_by_slug(session, slug)
    view = elections.overview(session, election)
    definition = view.definition
    flat: dict[str, Any] = {}
    if definition.single:
        only = definition.contests[0]
        flat = {"method": only.method, "seats": only.seats, "candidates": _candidates(only)}
    return {
        "slug": election.slug,
        "title": election.title,
        **flat,
        "state": effective_state(election, ctx.clock.now()),
        "opens": iso(aware(election.opens_at)),
        "closes": iso(aware(election.closes_at)),
        "contests": [_contest(c) for c in definition.contests],
        "channels": definition.channels,
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
    """The count, round by round, once the election has been counted.

    A ballot of one contest: that count.  Several: ``{"contests": {key: count},
    "blank": {key: ballots that left it blank}}``, as result.json publishes it.
    """
    election = repository.election_by_slug(session, slug)
    if not election.result:
        return JSONResponse(
            {"error": "not_counted", "detail": "This election has not been counted yet."}, 404
        )
    return JSONResponse(json.loads(election.result))
