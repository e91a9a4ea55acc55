"""The teller console's sign-in cookie, route class and rendering.

The cookie holds a random session id signed with itsdangerous (HttpOnly,
SameSite=Strict, Secure when ``settings.secure_cookies``); the table holds
only the id's SHA-256 (:mod:`ballotbox.services.postal.accounts`).  The signing secret
is a file in the key directory, made on first use, never in the database.
Forms use the web channel's CSRF double-submit token.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from itsdangerous import BadSignature, URLSafeSerializer

from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep, refuse
from ballotbox.adapters.httpkit.errors import status_for
from ballotbox.adapters.httpkit.templating import make_templates, register_phrases
from ballotbox.adapters.httpkit.templating import render as web_render
from ballotbox.core.errors import BallotboxError
from ballotbox.services import Context
from ballotbox.services.postal import accounts
from ballotbox.services.postal.errors import PermissionDeniedError
from ballotbox.services.postal.matching import REJECTION_REASONS, SPOILT_REASONS
from ballotbox.services.postal.reconcile import TOTAL_LABEL
from ballotbox.services.postal.roles import ROLE_NAMES, Permission, allowed
from ballotbox.storage.models_postal import Teller

COOKIE = "bb_teller"
COOKIE_PATH = "/teller"
SECRET_FILE = "teller-session.key"  # noqa: S105 - a file name under the key folder, not a secret
SALT = "ballotbox teller session"
TEMPLATES = Path(__file__).parent / "templates"

templates = make_templates(TEMPLATES)
templates.env.globals["ROLE_NAMES"] = {role.value: name for role, name in ROLE_NAMES.items()}
register_phrases(*SPOILT_REASONS.values(), *REJECTION_REASONS.values(), TOTAL_LABEL)


class SignInRequired(Exception):
    """No valid teller session: the route class sends the browser to the sign-in page."""


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render a console page with the CSRF token and the signed-in teller."""
    teller: Teller | None = getattr(request.state, "teller", None)
    extra = {
        "teller": teller,
        "can": (lambda p: teller is not None and allowed(teller.role, Permission(p))),
    }
    return web_render(request, name, {**extra, **context}, status_code, using=templates)


def status_of(error: BallotboxError) -> int:
    """HTTP status for a domain error on a console page."""
    return 403 if isinstance(error, PermissionDeniedError) else status_for(error)


class ConsoleRoute(APIRoute):
    """Routes of the console: no session → sign-in page; a domain error → a console page.

    Either way the request is refused: nothing it changed is committed.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except SignInRequired:
                refuse(request)
                return RedirectResponse("/teller/login", status_code=303)
            except BallotboxError as error:
                refuse(request)
                return render(
                    request, "teller_error.html", {"error": error}, status_code=status_of(error)
                )

        return handler


def _secret(ctx: Context) -> bytes:
    path = Path(ctx.keys.key_dir) / SECRET_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it first
            return path.read_bytes()
        with os.fdopen(fd, "wb") as handle:
            handle.write(ctx.random_bytes(32))
        return path.read_bytes()


def _serializer(ctx: Context) -> URLSafeSerializer:
    return URLSafeSerializer(_secret(ctx), salt=SALT)


def session_id(request: Request, ctx: Context) -> bytes | None:
    """The session id from the cookie, if it is there and its signature is good."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        return bytes.fromhex(str(_serializer(ctx).loads(value)))
    except (BadSignature, ValueError):
        return None


def set_session_cookie(response: Response, ctx: Context, sid: bytes) -> None:
    """Hand the browser its signed session id."""
    response.set_cookie(
        COOKIE,
        _serializer(ctx).dumps(sid.hex()),
        httponly=True,
        samesite="strict",
        secure=ctx.settings.secure_cookies,
        path=COOKIE_PATH,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
    )


def clear_session_cookie(response: Response, ctx: Context) -> None:
    """Forget the session in the browser."""
    response.delete_cookie(
        COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=ctx.settings.secure_cookies,
    )


def current_teller(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
) -> Teller:
    """The signed-in teller, or SignInRequired."""
    sid = session_id(request, ctx)
    teller = accounts.teller_for_session(session, ctx, sid) if sid else None
    if teller is None:
        raise SignInRequired()
    request.state.teller = teller
    return teller


def needs(permission: Permission) -> Callable[[Teller], Teller]:
    """A dependency: the signed-in teller, if their role allows ``permission``."""

    def dependency(teller: Annotated[Teller, Depends(current_teller)]) -> Teller:
        accounts.require(teller, permission)
        return teller

    return dependency
