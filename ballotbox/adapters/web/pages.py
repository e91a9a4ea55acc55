"""The voting pages: enter token → ballot → review → cast → receipt.

They work without JavaScript, on a small phone and with a screen reader.  Every
error is shown on the same page, in plain words, with what was typed kept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from ballotbox.adapters.httpkit.deps import CasterDep, ContextDep, Keep, SessionDep, refuse
from ballotbox.adapters.httpkit.errors import status_for
from ballotbox.adapters.httpkit.language import remember_form
from ballotbox.adapters.httpkit.security import verify_csrf
from ballotbox.adapters.httpkit.templating import make_templates
from ballotbox.adapters.httpkit.templating import render as kit_render
from ballotbox.adapters.web.forms import (
    choices_from_field,
    choices_from_form,
    choices_to_field,
    marks_from_form,
)
from ballotbox.choices import validate_choices
from ballotbox.core.errors import BallotboxError, InputError, TokenFormatError
from ballotbox.core.tokens.format import Token, parse
from ballotbox.services import Context, elections
from ballotbox.services.casting import check_can_vote
from ballotbox.services.counters import count_rejection
from ballotbox.services.elections import definition_of, effective_state
from ballotbox.storage import repository
from ballotbox.storage.models import Election, ElectionState

templates = make_templates(Path(__file__).parent / "templates")


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render one of the voting pages (with the CSRF cookie the kit sets)."""
    return kit_render(request, name, context, status_code, using=templates)


router = APIRouter(include_in_schema=False, dependencies=[Depends(remember_form)])


def _counted(ctx: Context, error: BallotboxError, token_text: str | None) -> Keep:
    return lambda session: count_rejection(session, ctx, error, token_text=token_text)


def _home(request: Request, session: Session, ctx: Context, **extra: Any) -> HTMLResponse:
    error = extra.get("error")
    if isinstance(error, BallotboxError):  # refused, but counted for the live audit page
        refuse(request, keep=_counted(ctx, error, extra.get("token_text")))
    now = ctx.clock.now()
    listed = [(e, effective_state(e, now)) for e in repository.elections(session)]
    status = status_for(error) if isinstance(error, BallotboxError) else 200
    return render(request, "home.html", {"elections": listed, **extra}, status_code=status)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, ctx: ContextDep) -> HTMLResponse:
    """The front page: type your token, or follow an election."""
    return _home(request, session, ctx)


def _ballot_page(
    request: Request,
    election: Election,
    token: Token,
    *,
    marks: dict[int, str] | None = None,
    selected: list[int] | None = None,
    error: BallotboxError | None = None,
) -> HTMLResponse:
    if error is not None:
        refuse(request)
    definition = definition_of(election)
    return render(
        request,
        "ballot.html",
        {
            "election": election,
            "definition": definition,
            "token": token.digits,
            "marks": marks or {},
            "selected": selected or [],
            "error": error,
        },
        status_code=status_for(error) if error else 200,
    )


def _start(request: Request, session: Session, ctx: Context, text: str) -> HTMLResponse:
    try:
        token = parse(text)
        election = check_can_vote(session, ctx, token, "web")
    except BallotboxError as error:
        return _home(request, session, ctx, error=error, token_text=text)
    return _ballot_page(request, election, token)


@router.get("/v/{token_text}", response_class=HTMLResponse)
def from_card(
    token_text: str, request: Request, session: SessionDep, ctx: ContextDep
) -> HTMLResponse:
    """The address in a card's QR code: straight to the ballot."""
    return _start(request, session, ctx, token_text)


@router.post("/ballot", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)])
def ballot(
    request: Request, session: SessionDep, ctx: ContextDep, token: Annotated[str, Form()] = ""
) -> HTMLResponse:
    """Show the ballot for a typed token."""
    return _start(request, session, ctx, token)


@router.post("/ballot/review", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)])
async def review(request: Request, session: SessionDep, ctx: ContextDep) -> HTMLResponse:
    """Check the ballot and show it back before it is cast."""
    form = await request.form()
    try:
        token = parse(str(form.get("token", "")))
        election = check_can_vote(session, ctx, token, "web")
    except BallotboxError as error:
        return _home(request, session, ctx, error=error)
    definition = definition_of(election)
    marks = marks_from_form({k: str(v) for k, v in form.items()}, definition)
    ticked = [str(v) for v in form.getlist("choice")]
    try:
        choices = validate_choices(definition, choices_from_form(definition, marks, ticked))
    except InputError as error:
        selected = [int(v) for v in ticked if v.isdigit()]
        return _ballot_page(request, election, token, marks=marks, selected=selected, error=error)
    names = definition.candidate_names()
    return render(
        request,
        "review.html",
        {
            "election": election,
            "definition": definition,
            "token": token.digits,
            "choices": [(n, names[n]) for n in choices],
            "choices_field": choices_to_field(choices),
            "marks": marks,
        },
    )


@router.post("/ballot/change", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)])
def change(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    token: Annotated[str, Form()] = "",
    choices: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Back from the review page to the ballot, with the choices still marked."""
    try:
        parsed = parse(token)
        election = check_can_vote(session, ctx, parsed, "web")
        picked = choices_from_field(choices)
    except BallotboxError as error:
        return _home(request, session, ctx, error=error)
    definition = definition_of(election)
    if definition.ranked:
        marks = {number: str(rank) for rank, number in enumerate(picked, start=1)}
        return _ballot_page(request, election, parsed, marks=marks)
    return _ballot_page(request, election, parsed, selected=picked)


@router.post("/ballot/cast", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)])
def cast_ballot(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    caster: CasterDep,
    token: Annotated[str, Form()] = "",
    choices: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Cast the reviewed ballot and show the receipt."""
    try:
        parsed = parse(token)
        receipt = caster(parsed, choices_from_field(choices), "web")
    except TokenFormatError as error:
        return _home(request, session, ctx, error=error)
    except BallotboxError as error:
        return _home(request, session, ctx, error=error)
    return render(
        request,
        "receipt.html",
        {
            "receipt": receipt,
            "receipt_json": json.dumps(receipt.receipt, indent=2, sort_keys=True),
            "public_url": ctx.settings.public_base,
        },
        status_code=201,
    )


@router.get("/elections/{slug}", response_class=HTMLResponse)
def election_page(
    slug: str, request: Request, session: SessionDep, ctx: ContextDep
) -> HTMLResponse:
    """What anyone may see of an election: its candidates, dates and turnout."""
    election = repository.election_by_slug(session, slug)
    view = elections.overview(session, election)
    result = (
        json.loads(election.result)
        if election.result and election.state in {ElectionState.COUNTED, ElectionState.PUBLISHED}
        else None
    )
    return render(
        request,
        "election.html",
        {
            "election": election,
            "view": view,
            "state": effective_state(election, ctx.clock.now()),
            "result": result,
        },
    )
