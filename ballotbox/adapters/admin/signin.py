"""Signing in to and out of the officers' console, and its stylesheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from ballotbox.adapters.admin.session import COOKIE, SIGN_IN, AdminRoute, render, status_of
from ballotbox.adapters.httpkit.account_cookie import source_of
from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep
from ballotbox.adapters.httpkit.security import verify_csrf
from ballotbox.services import accounts
from ballotbox.services.postal.errors import AccountLockedError, LoginError

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=AdminRoute)
CSRF = [Depends(verify_csrf)]
STYLESHEET = Path(__file__).parent / "static" / "admin.css"


@router.get("/assets/admin.css")
def stylesheet() -> Response:
    """The console's stylesheet (same origin, so the CSP allows it)."""
    return FileResponse(STYLESHEET, media_type="text/css")


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request) -> HTMLResponse:
    """The sign-in form: Username, Password, One-time code."""
    return render(request, "admin_sign_in.html", {})


@router.post("/sign-in", response_class=HTMLResponse, dependencies=CSRF)
def sign_in(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Check the password and one-time code, start a session and go to the ballots."""
    try:
        officer = accounts.authenticate(
            session, ctx, username, password, source=source_of(request), code=code, need_code=True
        )
    except (LoginError, AccountLockedError) as error:
        # Not refused: the failure is this request's work, and it counts towards the lockout.
        return render(
            request,
            "admin_sign_in.html",
            {"error": error, "username": username},
            status_code=status_of(error),
        )
    sid = accounts.start_session(session, ctx, officer)
    response = RedirectResponse("/admin", status_code=303)
    COOKIE.set(response, ctx, sid)
    return response


@router.post("/sign-out", dependencies=CSRF)
def sign_out(request: Request, session: SessionDep, ctx: ContextDep) -> Response:
    """Sign out: the session ends on the server too."""
    sid = COOKIE.read(request, ctx)
    if sid:
        accounts.end_session(session, ctx, sid)
    response = RedirectResponse(SIGN_IN, status_code=303)
    COOKIE.clear(response, ctx)
    return response
