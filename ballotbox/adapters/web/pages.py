"""The voting pages: enter token → ballot → review → cast → receipt.

They work without JavaScript, on a small phone and with a screen reader.  Every
error is shown on the same page, in plain words, with what was typed kept.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from ballotbox.adapters.httpkit.deps import (
    ContextDep,
    ReadSessionDep,
    cast_waiting,
    end_reads,
    refuse,
)
from ballotbox.adapters.httpkit.errors import status_for
from ballotbox.adapters.httpkit.language import remember_form
from ballotbox.adapters.httpkit.limits import charged, client_address, get_guard
from ballotbox.adapters.httpkit.security import verify_csrf
from ballotbox.adapters.httpkit.templating import make_templates
from ballotbox.adapters.httpkit.templating import render as kit_render
from ballotbox.adapters.web.forms import (
    BallotForm,
    ballot_from_fields,
    choices_to_field,
    entries_from_ballot,
    posted_choices,
    read_form,
)
from ballotbox.core.errors import BallotboxError
from ballotbox.core.i18n import current_locale, using
from ballotbox.core.tokens.format import Token, parse
from ballotbox.services import Context, elections
from ballotbox.services.casting import check_can_vote
from ballotbox.services.elections import definition_of, effective_state, stored_definition
from ballotbox.storage import repository
from ballotbox.storage.models import Election, ElectionState

templates = make_templates(Path(__file__).parent / "templates")


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render one of the voting pages (with the CSRF cookie the kit sets)."""
    return kit_render(request, name, context, status_code, using=templates)


router = APIRouter(include_in_schema=False, dependencies=[Depends(remember_form)])


def _home(request: Request, session: Session, ctx: Context, **extra: Any) -> HTMLResponse:
    error = extra.get("error")
    if isinstance(error, BallotboxError):  # refused, but counted and charged to the client
        refuse(request, keep=charged(request, error, token_text=extra.get("token_text")))
    now = ctx.clock.now()
    listed = [(e, effective_state(e, now)) for e in repository.elections(session)]
    status = status_for(error) if isinstance(error, BallotboxError) else 200
    return render(request, "home.html", {"elections": listed, **extra}, status_code=status)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: ReadSessionDep, ctx: ContextDep) -> HTMLResponse:
    """The front page: type your token, or follow an election."""
    return _home(request, session, ctx)


def _ballot_page(
    request: Request,
    election: Election,
    token: Token,
    form: BallotForm | None = None,
) -> HTMLResponse:
    definition = definition_of(election)
    contests = None
    if form is None:  # unmarked: the same contests for every member of the ballot
        assert election.definition is not None
        contests = _unmarked(election.definition, current_locale())
        form = BallotForm(entries_from_ballot(definition, {}))
    error = form.first_error
    if error is not None:
        refuse(request)
    return render(
        request,
        "ballot.html",
        {
            "election": election,
            "definition": definition,
            "token": token.digits,
            "entries": form.entries,
            "contests": contests,
            "problems": form.problems,
            "error": error,
        },
        status_code=status_for(error) if error else 200,
    )


@lru_cache(maxsize=64)
def _unmarked(stored: str, locale: str) -> Markup:
    """The contests of an unmarked ballot, for the definition ``stored`` (its JSON, as the
    election row holds it: a changed definition is a new key) in ``locale``.

    Rendered once, not for every member who opens the ballot: half the page's
    rendering.  Nothing in it depends on the member or the request (their token
    and the form's CSRF field sit outside it)."""
    definition = stored_definition(stored)
    entries = entries_from_ballot(definition, {})
    with using(locale):
        html = templates.env.get_template("_contests.html").render(
            definition=definition, entries=entries, problems=[], error=None
        )
    return Markup(html)  # noqa: S704 - rendered by the autoescaping template, from our own


def _may_try(request: Request, session: Session) -> None:
    """Refuse, before any look-up, a client whose token attempts keep failing."""
    get_guard(request).check("web", client_address(request), session)


def _start(request: Request, session: Session, ctx: Context, text: str) -> HTMLResponse:
    try:
        _may_try(request, session)
        token = parse(text)
        election = check_can_vote(session, ctx, token, "web")
    except BallotboxError as error:
        return _home(request, session, ctx, error=error, token_text=text)
    # Everything the page needs is read: end the transaction here, in this thread, so the
    # request's end has nothing left to hand to another thread (and the connection is free).
    end_reads(session)
    return _ballot_page(request, election, token)


@router.get("/v/{token_text}", response_class=HTMLResponse)
def from_card(
    token_text: str, request: Request, session: ReadSessionDep, ctx: ContextDep
) -> HTMLResponse:
    """The address in a card's QR code: straight to the ballot."""
    return _start(request, session, ctx, token_text)


@router.post("/ballot", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)])
def ballot(
    request: Request, session: ReadSessionDep, ctx: ContextDep, token: Annotated[str, Form()] = ""
) -> HTMLResponse:
    """Show the ballot for a typed token."""
    return _start(request, session, ctx, token)


async def _fields(request: Request) -> dict[str, list[str]]:
    """The posted form, read in the event loop; the routes that take it run in a thread."""
    form = await request.form()
    return {name: [str(v) for v in form.getlist(name)] for name in form}


# The routes below are plain ``def`` (but the cast): they query the database, which must
# never happen in the event loop (it would hold up every other request).
FieldsDep = Annotated[dict[str, list[str]], Depends(_fields)]


@router.post("/ballot/review", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)])
def review(
    request: Request, session: ReadSessionDep, ctx: ContextDep, fields: FieldsDep
) -> HTMLResponse:
    """Check the ballot and show it back, every contest, before it is cast."""
    try:
        _may_try(request, session)
        token = parse(next(iter(fields.get("token", [])), ""))
        election = check_can_vote(session, ctx, token, "web")
    except BallotboxError as error:
        return _home(request, session, ctx, error=error)
    definition = definition_of(election)
    form = read_form(definition, fields)
    if form.first_error is not None:
        return _ballot_page(request, election, token, form)
    contests = [
        {
            "contest": entry.contest,
            "choices": [(n, entry.contest.candidate_names()[n]) for n in entry.choices],
            "field": entry.choices_field,
            "value": choices_to_field(entry.choices),
        }
        for entry in form.entries
    ]
    return render(
        request,
        "review.html",
        {
            "election": election,
            "definition": definition,
            "token": token.digits,
            "contests": contests,
        },
    )


@router.post("/ballot/change", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)])
def change(
    request: Request, session: ReadSessionDep, ctx: ContextDep, fields: FieldsDep
) -> HTMLResponse:
    """Back from the review page to the ballot, with the choices still marked."""
    try:
        _may_try(request, session)
        parsed = parse(next(iter(fields.get("token", [])), ""))
        election = check_can_vote(session, ctx, parsed, "web")
        definition = definition_of(election)
        picked = ballot_from_fields(definition, fields)
    except BallotboxError as error:
        return _home(request, session, ctx, error=error)
    return _ballot_page(
        request, election, parsed, BallotForm(entries_from_ballot(definition, picked))
    )


@router.post("/ballot/cast", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)])
async def cast_ballot(
    request: Request, session: ReadSessionDep, ctx: ContextDep, fields: FieldsDep
) -> HTMLResponse:
    """Cast the reviewed ballot (every contest at once) and show the receipt."""
    # In the event loop, holding no thread while the batch commits: the batcher refuses the
    # cast before any look-up when this client's failures are used up, and the receipt
    # carries the definition (no read of our own). Only a refusal reads, in the thread pool.
    try:
        receipt = await cast_waiting(
            request,
            next(iter(fields.get("token", [])), ""),  # parsed by the batcher, after the limits
            posted_choices(fields),
            "web",
            source=("web", client_address(request)),
        )
    except BallotboxError as error:
        return await run_in_threadpool(_home, request, session, ctx, error=error)
    definition = receipt.definition
    assert definition is not None  # cast() always gives it
    signed = json.dumps(receipt.receipt, indent=2, sort_keys=True)
    return render(
        request,
        "receipt.html",
        {
            "receipt": receipt,
            "definition": definition,
            "recorded": receipt.ballot_names,
            "receipt_json": signed,
            # The file the download link saves: in base64 (at C speed), not percent-encoded.
            "receipt_download": "data:application/json;base64,"
            + base64.b64encode(signed.encode()).decode(),
            "public_url": ctx.settings.public_base,
        },
        status_code=201,
    )


@router.get("/elections/{slug}", response_class=HTMLResponse)
def election_page(
    slug: str, request: Request, session: ReadSessionDep, ctx: ContextDep
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
            "zone": definition_of(election).zone,  # times in the ballot's own time zone
        },
    )
