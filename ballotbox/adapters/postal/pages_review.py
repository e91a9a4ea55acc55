"""Console pages for supervisors and scrutineers: adjudication, reconciliation, the action log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep, refuse
from ballotbox.adapters.httpkit.security import verify_csrf
from ballotbox.adapters.postal.entry_form import entry_values
from ballotbox.adapters.postal.web_session import ConsoleRoute, needs, render, status_of
from ballotbox.core.errors import BallotboxError, NotFoundError
from ballotbox.services import Context
from ballotbox.services.elections import definition_of
from ballotbox.services.postal import keying, queries, reconcile
from ballotbox.services.postal.errors import EntryError, UnknownBatchError
from ballotbox.services.postal.matching import (
    REJECTION_REASONS,
    SPOILT_REASONS,
    marks_for,
    read_entry,
)
from ballotbox.services.roles import Permission
from ballotbox.storage import repository
from ballotbox.storage.models_postal import Teller

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

Adjudicator = Annotated[Teller, Depends(needs(Permission.ADJUDICATE))]
Reader = Annotated[Teller, Depends(needs(Permission.READ))]
ASSETS = Path(__file__).parent / "static"
ASSET_TYPES = {"teller.js": "text/javascript", "teller.css": "text/css"}


@router.get("/assets/{name}")
def asset(name: str) -> Response:
    """The console's own script and stylesheet (same origin, so the CSP allows them)."""
    if name not in ASSET_TYPES:
        raise NotFoundError()
    return FileResponse(ASSETS / name, media_type=ASSET_TYPES[name])


@router.get("/adjudication", response_class=HTMLResponse)
def queue(request: Request, session: SessionDep, teller: Adjudicator) -> HTMLResponse:
    """Letters whose two entries disagreed, waiting for a supervisor."""
    waiting = []
    for letter, batch in queries.disputed_letters(session):
        assert batch.id is not None
        keyed_it = any(
            e.teller_id == teller.id for e in queries.entries(session, batch.id, letter.number)
        )
        waiting.append((letter, batch, keyed_it))
    done = request.query_params.get("done", "")
    return render(request, "teller_queue.html", {"waiting": waiting, "done": done})


def _dispute_page(
    request: Request,
    session: Session,
    ctx: Context,
    teller: Teller,
    batch_id: int,
    number: int,
    *,
    error: BallotboxError | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    batch = queries.batch(session, batch_id)
    if batch is None:
        raise UnknownBatchError(batch=batch_id)
    shown = keying.dispute(session, ctx, teller, batch, number)
    election = keying._election(session, batch)
    definition = definition_of(election)
    return render(
        request,
        "teller_adjudicate.html",
        {
            "batch": batch,
            "election": election,
            "definition": definition,
            "number": number,
            "dispute": shown,
            "entries": [(e, marks_for(definition, e)) for e in (shown.first, shown.second)],
            "spoilt_reasons": SPOILT_REASONS,
            "error": error,
            "values": values or {},
        },
        status_code=status_of(error) if error else 200,
    )


@router.get("/adjudication/{batch_id}/{number}", response_class=HTMLResponse)
def dispute_page(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    teller: Adjudicator,
    batch_id: int,
    number: int,
) -> HTMLResponse:
    """Both entries side by side, and a form for the final version."""
    return _dispute_page(request, session, ctx, teller, batch_id, number)


@router.post(
    "/adjudication/{batch_id}/{number}",
    response_class=HTMLResponse,
    dependencies=[Depends(verify_csrf)],
)
async def adjudicate(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    teller: Adjudicator,
    batch_id: int,
    number: int,
) -> Response:
    """Key the final version of a disputed letter; it is cast, spoilt or rejected."""
    batch = queries.batch(session, batch_id)
    if batch is None:
        raise UnknownBatchError(batch=batch_id)
    definition = definition_of(keying._election(session, batch))
    form = await request.form()
    fields = {k: str(v)[:200] for k, v in form.items()}
    values = entry_values(definition, fields)
    try:
        final = read_entry(definition, values["token"], values["marks"], values["spoilt"])
        outcome = keying.adjudicate(session, ctx, teller, batch, number, final)
    except EntryError as error:
        refuse(request)
        return _dispute_page(
            request, session, ctx, teller, batch_id, number, error=error, values=values
        )
    return RedirectResponse(
        f"/teller/adjudication?done={batch_id}-{number}-{outcome.status}", status_code=303
    )


@router.get("/elections/{slug}/reconciliation", response_class=HTMLResponse)
def reconciliation(
    request: Request, session: SessionDep, teller: Reader, slug: str
) -> HTMLResponse:
    """Letters received = accepted + spoilt + rejected + pending, per batch and overall."""
    report = reconcile.reconcile(session, repository.election_by_slug(session, slug))
    return render(
        request,
        "teller_reconcile.html",
        {
            "report": report,
            "spoilt_reasons": SPOILT_REASONS,
            "rejection_reasons": REJECTION_REASONS,
        },
    )


@router.get("/elections/{slug}/reconciliation.csv")
def reconciliation_csv(session: SessionDep, teller: Reader, slug: str) -> Response:
    """The reconciliation report as CSV."""
    report = reconcile.reconcile(session, repository.election_by_slug(session, slug))
    return Response(
        reconcile.to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{slug}-postal-reconciliation.csv"'},
    )


@router.get("/log", response_class=HTMLResponse)
def action_log(request: Request, session: SessionDep, teller: Reader) -> HTMLResponse:
    """The newest teller actions: who keyed, adjudicated or opened what, never what was keyed."""
    names = {t.id: t.username for t in queries.tellers(session)}
    labels = {}
    for election in repository.elections(session):
        assert election.id is not None
        for batch in queries.batches(session, election.id):
            labels[batch.id] = f"{election.slug} · {batch.label}"
    return render(
        request,
        "teller_log.html",
        {"actions": queries.actions(session), "names": names, "labels": labels},
    )
