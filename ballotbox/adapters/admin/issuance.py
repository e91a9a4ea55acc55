"""Recording cards handed out, on a ballot's registers page: one member at a time, or a CSV
of many (all or nothing).

Thin routes over :mod:`ballotbox.services.console_issuance`, which checks the role (returning
officers record; scrutineers read the stock reconciliation on the registers page) and writes
the officer log.  A form that fails shows the registers page again with the problem beside the
form; nothing is recorded.  No page here shows a ballot token: members and cards are not linked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from ballotbox.adapters.admin import registers
from ballotbox.adapters.admin.session import AdminRoute, Runner
from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep, refuse
from ballotbox.adapters.httpkit.security import verify_csrf
from ballotbox.core.errors import BallotboxError
from ballotbox.services import console_issuance
from ballotbox.services.console_issuance import HandoutForm

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=AdminRoute)
CSRF = [Depends(verify_csrf)]
SHORT = Annotated[str, Form(max_length=200)]


@router.post("/ballots/{slug}/registers/issued", dependencies=CSRF)
def record(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    who: Runner,
    slug: str,
    number: Annotated[str, Form(max_length=64)] = "",
    org: SHORT = "",
    how: Annotated[str, Form(max_length=32)] = "",
    by: SHORT = "",
    on: Annotated[str, Form(max_length=32)] = "",
    reissue: Annotated[bool, Form()] = False,
    reason: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    """Record that one member was handed a card (never which card)."""
    form = HandoutForm(number, org, how, by, on, reissue, reason)
    try:
        console_issuance.record(session, ctx, who, slug, form)
    except BallotboxError as error:
        refuse(request)
        return registers.overview_page(
            request, session, ctx, who, slug, issue_error=error, issue_form=form
        )
    return RedirectResponse(f"/admin/ballots/{slug}/registers?done=issued#issue-h", 303)


@router.post(registers.UPLOADS.removeprefix("/admin") + "/{slug}/issued", dependencies=CSRF)
async def record_file(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    who: Runner,
    slug: str,
    how: Annotated[str, Form(max_length=32)] = "",
    by: SHORT = "",
    on: Annotated[str, Form(max_length=32)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Record first cards for every row of an uploaded CSV: all of them, or none."""
    form = HandoutForm("", "", how, by, on)
    try:
        data = await file.read() if file is not None and file.filename else b""
        name = (file.filename or "") if file is not None else ""
        console_issuance.record_file(session, ctx, who, slug, name, data, form)
    except BallotboxError as error:
        refuse(request)
        return registers.overview_page(
            request, session, ctx, who, slug, bulk_error=error, bulk_form=form
        )
    return RedirectResponse(f"/admin/ballots/{slug}/registers?done=issued_file#bulk-h", 303)
