"""The officers' console: its sign-in cookie, route class, role checks and rendering.

Every route of the console declares the officer it needs through
:func:`needs`; without a session it sends the browser to the sign-in page,
and a role that does not allow the page gets a 403 page.  Domain errors are
mapped to statuses in one place (:func:`status_of`) and shown on a console
page; either way the request is refused, so nothing it changed is committed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends

from ballotbox.adapters.httpkit.account_cookie import SessionCookie
from ballotbox.adapters.httpkit.console import Console, SignInRequired, status_of
from ballotbox.services.roles import Permission
from ballotbox.storage.models_postal import Teller

__all__ = [
    "COOKIE", "SIGN_IN", "AdminRoute", "Overseer", "Runner", "Signed", "SignInRequired",
    "current_officer", "error_page", "needs", "render", "status_of", "templates",
]  # fmt: skip

COOKIE = SessionCookie(name="bb_admin", path="/admin", salt="ballotbox officers' console")
SIGN_IN = "/admin/sign-in"
CONSOLE = Console.of(COOKIE, SIGN_IN, Path(__file__).parent / "templates", "admin_error.html",
                     "officer")  # fmt: skip

templates = CONSOLE.templates
render = CONSOLE.render
error_page = CONSOLE.error_page
#: Console routes: no session → the sign-in page; a domain error → a console error page.
AdminRoute = CONSOLE.route_class()
#: The signed-in account, or SignInRequired.
current_officer = CONSOLE.signed_in
needs = CONSOLE.needs

#: Route parameter types: who may look, and who may act.
Overseer = Annotated[Teller, Depends(needs(Permission.OVERSEE))]
Runner = Annotated[Teller, Depends(needs(Permission.RUN_BALLOTS))]
Signed = Annotated[Teller, Depends(current_officer)]
