"""The ballots: the list, a new draft, one ballot's page and its lifecycle actions.

Thin routes: each calls one function of :mod:`ballotbox.services.console`
(or ``console_cards``), which checks the role, does the work through the
same service as the CLI and writes the officer log.  After an action the
browser is sent back to the ballot's page with a fixed message key.

The draft form, deleting a draft, the TOML export and the cost forecast are
in :mod:`ballotbox.adapters.admin.drafts`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ballotbox.adapters.admin.session import AdminRoute, Overseer, Runner, render, status_of
from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep, refuse
from ballotbox.adapters.httpkit.security import verify_csrf
from ballotbox.core.errors import BallotboxError
from ballotbox.core.i18n import N_
from ballotbox.services import console, console_cards

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=AdminRoute)
CSRF = [Depends(verify_csrf)]

#: What the ballot page says after an action (the address carries only the key).
DONE = {
    "created": N_("The draft ballot is created."),
    "edited": N_("The draft is saved."),
    "cards": N_("Cards issued. Download each file below: it is deleted from the server as you do."),
    "voided": N_("Those cards are void: they can never vote."),
    "opened": N_("Voting is open."),
    "closed": N_("Voting is closed."),
    "counted": N_("The votes are counted. Publish to show the results and the audit bundle."),
    "published": N_("Published: the results and the audit bundle are on the public pages."),
}

#: What the list says after an action that leaves no ballot page to go back to.
LISTED = {"deleted": N_("The draft is deleted; the deletion is in the officer log.")}


def _back(slug: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/ballots/{slug}?done={done}", status_code=303)


@router.get("", response_class=HTMLResponse)
def ballots(
    request: Request, session: SessionDep, ctx: ContextDep, who: Overseer, done: str = ""
) -> HTMLResponse:
    """Every ballot with its state and next step."""
    rows = console.ballots(session, ctx, who)
    return render(request, "admin_ballots.html", {"rows": rows, "done": LISTED.get(done)})


@router.get("/ballots/new", response_class=HTMLResponse)
def new_ballot(request: Request, who: Runner) -> HTMLResponse:
    """The form for a new draft: upload a TOML definition, or paste it."""
    return render(request, "admin_new.html", {})


@router.post("/ballots", dependencies=CSRF)
async def create(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    who: Runner,
    upload: Annotated[UploadFile | None, File()] = None,
    definition: Annotated[str, Form(max_length=console.MAX_UPLOAD)] = "",
) -> Response:
    """Create a draft from the uploaded or pasted TOML; every problem is shown at once."""
    text, source = definition, "the pasted definition"
    try:
        if upload is not None and upload.filename:
            source = upload.filename
            text = console.definition_text(await upload.read(console.MAX_UPLOAD + 1), source)
        election = console.create_draft(session, ctx, who, text, source)
    except BallotboxError as error:
        refuse(request)
        return render(
            request, "admin_new.html", {"error": error, "definition": text}, status_of(error)
        )
    return _back(election.slug, "created")


@router.get("/ballots/{slug}", response_class=HTMLResponse)
def ballot(
    request: Request, session: SessionDep, ctx: ContextDep, who: Overseer, slug: str, done: str = ""
) -> HTMLResponse:
    """One ballot: its state, next step, the actions its state allows, files to download."""
    row = console.ballot(session, ctx, who, slug)
    can_run = console.may_run(who)
    files = console_cards.waiting(ctx, who, slug) if can_run else []
    return render(
        request,
        "admin_ballot.html",
        {
            "row": row,
            "files": files,
            "layouts": console_cards.LAYOUTS,
            "done": DONE.get(done),
        },
    )


@router.post("/ballots/{slug}/cards", dependencies=CSRF)
def issue_cards(
    session: SessionDep,
    ctx: ContextDep,
    who: Runner,
    slug: str,
    count: Annotated[int, Form(ge=1, le=console_cards.MAX_CARDS)],
    layout: Annotated[str, Form(max_length=32)] = "business",
    split: Annotated[int | None, Form(ge=1)] = None,
    reserve: Annotated[bool, Form()] = False,
    csv: Annotated[bool, Form()] = False,
) -> Response:
    """Start a print run: issue the tokens and write the files for download once."""
    console_cards.start_run(
        session, ctx, who, slug, count=count, layout=layout, split=split, reserve=reserve, csv=csv
    )
    return _back(slug, "cards")


@router.post("/ballots/{slug}/files/{run}/{name}", dependencies=CSRF)
def download(
    session: SessionDep, ctx: ContextDep, who: Runner, slug: str, run: str, name: str
) -> Response:
    """Hand over one file of a print run and delete it from the server."""
    data = console_cards.take(session, ctx, who, slug, run, name)
    kind = "application/pdf" if name.endswith(".pdf") else "text/csv"
    return Response(
        data,
        media_type=kind,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.post("/ballots/{slug}/void", dependencies=CSRF)
def void_cards(
    session: SessionDep,
    ctx: ContextDep,
    who: Runner,
    slug: str,
    tokens: Annotated[str, Form(max_length=3_000_000)] = "",
) -> Response:
    """Void spoiled or leftover cards by their tokens, before voting opens."""
    console_cards.void_cards(session, ctx, who, slug, tokens)
    return _back(slug, "voided")


@router.post("/ballots/{slug}/open", dependencies=CSRF)
def open_voting(session: SessionDep, ctx: ContextDep, who: Runner, slug: str) -> Response:
    """Open voting now and sign the token commitment."""
    console.open_ballot(session, ctx, who, slug)
    return _back(slug, "opened")


@router.post("/ballots/{slug}/close", dependencies=CSRF)
def close_voting(session: SessionDep, ctx: ContextDep, who: Runner, slug: str) -> Response:
    """Close voting now."""
    console.close_ballot(session, ctx, who, slug)
    return _back(slug, "closed")


@router.post("/ballots/{slug}/tally", dependencies=CSRF)
def tally(
    session: SessionDep,
    ctx: ContextDep,
    who: Runner,
    slug: str,
    override_reason: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    """Count the votes; a reason lets the count go ahead with postal letters pending."""
    console.count(session, ctx, who, slug, override_reason or None)
    return _back(slug, "counted")


@router.post("/ballots/{slug}/publish", dependencies=CSRF)
def publish(session: SessionDep, ctx: ContextDep, who: Runner, slug: str) -> Response:
    """Publish the results and the audit bundle."""
    console.publish(session, ctx, who, slug)
    return _back(slug, "published")
