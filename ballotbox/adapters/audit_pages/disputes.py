"""Report a wrong vote: the dispute form under the check page.

``/elections/{slug}/dispute`` takes a token, the receipt (its code, or the
whole signed receipt the voting page gave) and a description, and stores a
report through :func:`ballotbox.services.disputes.report_dispute`.  The
client address is used only for the failure limit, as on every token form
(a keyed hash that expires, :mod:`ballotbox.services.guards`); it is never
stored in clear or logged.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from ballotbox.adapters.audit_pages.templating import templates
from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep, refuse
from ballotbox.adapters.httpkit.errors import status_for
from ballotbox.adapters.httpkit.limits import client_address, failed, get_guard
from ballotbox.adapters.httpkit.security import verify_csrf
from ballotbox.adapters.httpkit.templating import render as kit_render
from ballotbox.core.errors import BallotboxError, TokenFormatError, UnknownTokenError
from ballotbox.services.checking import TOKEN_FAILURES
from ballotbox.services.disputes import DisputeTextError, ReceiptFormatError, report_dispute
from ballotbox.storage import repository
from ballotbox.storage.models import ElectionState

router = APIRouter(include_in_schema=False)


def _field_for(error: BallotboxError) -> str:
    """The form field an error is about, for the error summary's link."""
    if isinstance(error, ReceiptFormatError):
        return "receipt"
    if isinstance(error, DisputeTextError):
        return "text"
    if isinstance(error, TokenFormatError | UnknownTokenError):
        return "token"
    return ""


def _form(request: Request, slug: str, session: Any, **extra: Any) -> HTMLResponse:
    election = repository.election_by_slug(session, slug)
    error = extra.get("error")
    status = status_for(error) if isinstance(error, BallotboxError) else 200
    if isinstance(error, BallotboxError):
        keep = None
        if isinstance(error, TOKEN_FAILURES):  # charged to the address, as a vote's would be
            unknown = isinstance(error, UnknownTokenError)
            keep = failed(request, "web", client_address(request), unknown_token=unknown)
        refuse(request, keep=keep)
        extra["field"] = _field_for(error)
    context = {
        "election": election,
        "published": election.state == ElectionState.PUBLISHED,
        "values": {},
        **extra,
    }
    return kit_render(request, "dispute.html", context, status, using=templates)


@router.get("/elections/{slug}/dispute", response_class=HTMLResponse)
def dispute_form(slug: str, request: Request, session: SessionDep) -> HTMLResponse:
    """Report that the published vote for your token is not the vote you cast."""
    return _form(request, slug, session)


@router.post(
    "/elections/{slug}/dispute", response_class=HTMLResponse, dependencies=[Depends(verify_csrf)]
)
def send_dispute(
    slug: str,
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    token: Annotated[str, Form()] = "",
    receipt: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Store a report (no sender details) and say what its receipt shows."""
    values = {"token": token, "receipt": receipt, "text": text}
    try:
        get_guard(request).check("web", client_address(request))
        report = report_dispute(session, ctx, token, channel="web", receipt=receipt, text=text,
                                election_slug=slug)  # fmt: skip
    except BallotboxError as error:
        return _form(request, slug, session, error=error, values=values)
    return _form(request, slug, session, report=report)
