"""The teller console: sign in, open batches, key letters (double entry).

Thin routes over the postal services.  Every page works without JavaScript;
``/teller/assets/teller.js`` only adds the as-you-type token check.  The
session dependency commits what a route changed before the answer is sent;
a form shown again with an error calls ``refuse`` first, so nothing of the
failed attempt is kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep, refuse
from ballotbox.adapters.httpkit.limits import client_address, get_guard
from ballotbox.adapters.httpkit.security import verify_csrf
from ballotbox.adapters.postal.entry_form import entry_values
from ballotbox.adapters.postal.pages_review import router as review_router
from ballotbox.adapters.postal.web_session import (
    ConsoleRoute,
    clear_session_cookie,
    current_teller,
    needs,
    render,
    session_id,
    set_session_cookie,
    status_of,
)
from ballotbox.core.errors import BallotboxError
from ballotbox.services.elections import definition_of
from ballotbox.services.guards import SIGN_IN, SIGN_IN_FROM
from ballotbox.services.postal import accounts, batches, keying, queries, reconcile
from ballotbox.services.postal.errors import EntryError, LoginError, SignInLimitedError
from ballotbox.services.postal.matching import REJECTION_REASONS, SPOILT_REASONS, read_entry
from ballotbox.services.postal.roles import Permission
from ballotbox.storage import repository
from ballotbox.storage.models import ElectionState
from ballotbox.storage.models_postal import PostalBatch, Teller

router = APIRouter(prefix="/teller", include_in_schema=False, route_class=ConsoleRoute)

Signed = Annotated[Teller, Depends(current_teller)]
Keyer = Annotated[Teller, Depends(needs(Permission.KEY))]
Opener = Annotated[Teller, Depends(needs(Permission.OPEN_BATCH))]
CSRF = [Depends(verify_csrf)]


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    """The teller sign-in form."""
    return render(request, "teller_login.html", {})


@router.post("/login", response_class=HTMLResponse, dependencies=CSRF)
def login(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Check the password, start a session and go to the console.

    Wrong passwords are limited per address and username together (and more
    loosely per address), never per account alone, and an unknown username
    is answered exactly as a known one: nobody can lock a teller out from
    elsewhere, and no answer tells which usernames exist.
    """
    guard, address = get_guard(request), client_address(request)
    pair = f"{address}\n{username.strip().lower()}"
    try:
        if guard.over_limit(SIGN_IN, pair) or guard.over_limit(SIGN_IN_FROM, address):
            raise SignInLimitedError(minutes=int(guard.limits.window_s // 60))
        teller = accounts.authenticate(session, ctx, username, password)
    except (LoginError, SignInLimitedError) as error:
        # Not refused: the failure is the request's work, and the dependency commits it.
        if isinstance(error, LoginError):
            guard.failed(session, SIGN_IN, pair, unknown_token=False)
            guard.failed(session, SIGN_IN_FROM, address, unknown_token=False)
        return render(
            request,
            "teller_login.html",
            {"error": error, "username": username},
            status_code=status_of(error),
        )
    sid = accounts.start_session(session, ctx, teller)
    response = RedirectResponse("/teller", status_code=303)
    set_session_cookie(response, ctx, sid)
    return response


@router.post("/logout", dependencies=CSRF)
def logout(request: Request, session: SessionDep, ctx: ContextDep) -> Response:
    """Sign out."""
    sid = session_id(request, ctx)
    if sid:
        accounts.end_session(session, ctx, sid)
    response = RedirectResponse("/teller/login", status_code=303)
    clear_session_cookie(response, ctx)
    return response


def _home(request: Request, session: Session, teller: Teller, **extra: Any) -> HTMLResponse:
    listed = []
    for election in repository.elections(session):
        report = reconcile.reconcile(session, election)
        listed.append((election, report))
    queue = len(queries.disputed_letters(session))
    open_to = [
        e for e, _ in listed if e.state not in {ElectionState.COUNTED, ElectionState.PUBLISHED}
    ]
    error = extra.get("error")
    status = status_of(error) if isinstance(error, BallotboxError) else 200
    return render(
        request,
        "teller_home.html",
        {"elections": listed, "queue": queue, "open_to": open_to, **extra},
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, teller: Signed) -> HTMLResponse:
    """The console: each election's batches with their figures, and what needs doing."""
    return _home(request, session, teller)


@router.post("/batches", response_class=HTMLResponse, dependencies=CSRF)
def open_batch(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    teller: Opener,
    election: Annotated[str, Form(max_length=64)] = "",
    label: Annotated[str, Form(max_length=400)] = "",
    letters: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Open a batch of letters (supervisors and the returning officer)."""
    try:
        found = repository.election_by_slug(session, election)
        if not letters.strip().isdigit():
            raise EntryError("Give the number of letters received, e.g. 40.", field="letters")
        batch = batches.open_batch(session, ctx, teller, found, label, int(letters))
    except BallotboxError as error:
        refuse(request)
        return _home(
            request,
            session,
            teller,
            error=error,
            form={"election": election, "label": label, "letters": letters},
        )
    return RedirectResponse(f"/teller?opened={batch.id}", status_code=303)


def _batch(session: Session, batch_id: int) -> PostalBatch:
    batch = queries.batch(session, batch_id)
    if batch is None:
        from ballotbox.services.postal.errors import UnknownBatchError

        raise UnknownBatchError(batch=batch_id)
    return batch


def _key_page(
    request: Request,
    session: Session,
    teller: Teller,
    batch: PostalBatch,
    *,
    number: int | None = None,
    message: str = "",
    error: BallotboxError | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    election = keying._election(session, batch)
    definition = definition_of(election)
    upcoming = batches.next_letter(session, batch, teller)
    shown = number if number is not None else upcoming
    assert batch.id is not None
    letter = queries.letter(session, batch.id, shown) if shown else None
    return render(
        request,
        "teller_key.html",
        {
            "batch": batch,
            "election": election,
            "definition": definition,
            "number": shown,
            "remaining": batches.remaining_for(session, batch, teller),
            "recording": letter.recording_ref if letter is not None else None,
            "message": message,
            "error": error,
            "values": values or {},
            "spoilt_reasons": SPOILT_REASONS,
        },
        status_code=status_of(error) if error else 200,
    )


@router.get("/batches/{batch_id}/key", response_class=HTMLResponse)
def key_form(request: Request, session: SessionDep, teller: Keyer, batch_id: int) -> HTMLResponse:
    """The keying form for the next letter this teller has not keyed."""
    return _key_page(request, session, teller, _batch(session, batch_id))


def outcome_message(outcome: keying.Outcome) -> str:
    """What the teller is told after saving an entry."""
    n = outcome.number
    if outcome.stage == "first":
        return f"Letter {n} saved: waiting for a second teller."
    if outcome.stage == "disputed":
        return f"Letter {n}: the two entries differ, so it goes to a supervisor."
    reason = SPOILT_REASONS.get(outcome.reason) or REJECTION_REASONS.get(
        outcome.reason, outcome.reason
    )
    if outcome.status == "accepted":
        return f"Letter {n}: both entries agree. The ballot is cast."
    return f"Letter {n}: both entries agree. {outcome.status.capitalize()}: {reason}."


@router.post("/batches/{batch_id}/key", response_class=HTMLResponse, dependencies=CSRF)
async def key_letter(
    request: Request, session: SessionDep, ctx: ContextDep, teller: Keyer, batch_id: int
) -> HTMLResponse:
    """Save one entry; show the form for the next letter (or the same one, with the problem)."""
    batch = _batch(session, batch_id)
    definition = definition_of(keying._election(session, batch))
    form = await request.form()
    fields = {k: str(v)[:200] for k, v in form.items() if k != "csrf_token"}
    values = entry_values(definition, fields)
    text = fields.get("letter", "").strip()
    number = int(text) if text.isdigit() else None
    try:
        if number is None:
            raise EntryError("Type the letter's number, as written on it.", field="letter")
        keyed = read_entry(definition, values["token"], values["marks"], values["spoilt"])
        outcome = keying.submit_entry(session, ctx, teller, batch, number, keyed)
    except BallotboxError as error:
        refuse(request)
        return _key_page(request, session, teller, batch, number=number, error=error, values=values)
    return _key_page(request, session, teller, batch, message=outcome_message(outcome))


router.include_router(review_router)
