"""The officers' console: its sign-in cookie, route class, role checks and rendering.

Every route of the console declares the officer it needs through
:func:`needs`; without a session it sends the browser to the sign-in page,
and a role that does not allow the page gets a 403 page.  Domain errors are
mapped to statuses in one place (:func:`status_of`) and shown on a console
page; either way the request is refused, so nothing it changed is committed.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute

from ballotbox.adapters.httpkit.account_cookie import SessionCookie
from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep, refuse
from ballotbox.adapters.httpkit.errors import status_for
from ballotbox.adapters.httpkit.templating import make_templates
from ballotbox.adapters.httpkit.templating import render as kit_render
from ballotbox.core.errors import BallotboxError
from ballotbox.services import accounts
from ballotbox.services.postal.errors import PermissionDeniedError
from ballotbox.services.roles import ROLE_NAMES, Permission, allowed
from ballotbox.storage.models_postal import Teller

COOKIE = SessionCookie(name="bb_admin", path="/admin", salt="ballotbox officers' console")
SIGN_IN = "/admin/sign-in"
TEMPLATES = Path(__file__).parent / "templates"

templates = make_templates(TEMPLATES)
templates.env.globals["ROLE_NAMES"] = {role.value: name for role, name in ROLE_NAMES.items()}


class SignInRequired(Exception):
    """No valid session: the route class sends the browser to the sign-in page."""


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render a console page with the CSRF token and the signed-in officer."""
    officer: Teller | None = getattr(request.state, "officer", None)
    extra = {
        "officer": officer,
        "can": (lambda p: officer is not None and allowed(officer.role, Permission(p))),
    }
    return kit_render(request, name, {**extra, **context}, status_code, using=templates)


def status_of(error: BallotboxError) -> int:
    """HTTP status for a domain error on a console page."""
    return 403 if isinstance(error, PermissionDeniedError) else status_for(error)


def error_page(request: Request, error: BallotboxError) -> HTMLResponse:
    """Refuse the request and show ``error`` on a console page."""
    refuse(request)
    return render(request, "admin_error.html", {"error": error}, status_code=status_of(error))


class AdminRoute(APIRoute):
    """Console routes: no session → the sign-in page; a domain error → a console error page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except SignInRequired:
                refuse(request)
                return RedirectResponse(SIGN_IN, status_code=303)
            except BallotboxError as error:
                return error_page(request, error)

        return handler


def current_officer(request: Request, session: SessionDep, ctx: ContextDep) -> Teller:
    """The signed-in account, or SignInRequired."""
    sid = COOKIE.read(request, ctx)
    officer = accounts.teller_for_session(session, ctx, sid) if sid else None
    if officer is None:
        raise SignInRequired()
    request.state.officer = officer
    return officer


def needs(permission: Permission) -> Callable[[Teller], Teller]:
    """A dependency: the signed-in account, if its role allows ``permission``."""

    def dependency(officer: Annotated[Teller, Depends(current_officer)]) -> Teller:
        accounts.require(officer, permission)
        return officer

    return dependency


#: Route parameter types: who may look, and who may act.
Overseer = Annotated[Teller, Depends(needs(Permission.OVERSEE))]
Runner = Annotated[Teller, Depends(needs(Permission.RUN_BALLOTS))]
Signed = Annotated[Teller, Depends(current_officer)]
