"""Accounts, for a returning officer: reset another's password or one-time codes, sign them out.

The same services as ``ballotbox officers …``; each change is in the officer log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ballotbox.adapters.admin.session import AdminRoute, needs, render
from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep
from ballotbox.adapters.httpkit.security import verify_csrf
from ballotbox.core.i18n import N_
from ballotbox.services import account_views, accounts
from ballotbox.services.roles import Permission
from ballotbox.storage.models_postal import Teller

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=AdminRoute)
CSRF = [Depends(verify_csrf)]
Manager = Annotated[Teller, Depends(needs(Permission.MANAGE_ACCOUNTS))]

DONE = {
    "password": N_("The new password is set; that account is signed out everywhere."),
    "sessions": N_("That account is signed out everywhere."),
}


@router.get("/accounts", response_class=HTMLResponse)
def people(
    request: Request, session: SessionDep, ctx: ContextDep, who: Manager, done: str = ""
) -> HTMLResponse:
    """Every account with its role, one-time codes, sessions and lockouts."""
    rows = account_views.accounts_list(session, ctx, who)
    return render(request, "admin_accounts.html", {"rows": rows, "done": DONE.get(done)})


@router.post("/accounts/{username}/password", dependencies=CSRF)
def reset_password(
    session: SessionDep,
    ctx: ContextDep,
    who: Manager,
    username: str,
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Give the account a new password (it is signed out everywhere)."""
    accounts.set_password(session, ctx, accounts.account_named(session, username), password, who)
    return RedirectResponse("/admin/accounts?done=password", status_code=303)


@router.post("/accounts/{username}/codes", response_class=HTMLResponse, dependencies=CSRF)
def reset_codes(
    request: Request, session: SessionDep, ctx: ContextDep, who: Manager, username: str
) -> HTMLResponse:
    """Give the account new one-time codes and show their URI, this once."""
    account = accounts.account_named(session, username)
    uri = accounts.reset_totp(session, ctx, account, who)
    return render(request, "admin_codes.html", {"account": account, "uri": uri})


@router.post("/accounts/{username}/sessions", dependencies=CSRF)
def sign_out_everywhere(
    session: SessionDep, ctx: ContextDep, who: Manager, username: str
) -> Response:
    """Sign the account out everywhere now."""
    accounts.revoke_sessions(session, ctx, accounts.account_named(session, username), who)
    return RedirectResponse("/admin/accounts?done=sessions", status_code=303)
