"""What the teller console and the officers' console share: sign-in, roles, rendering, errors.

Both are server-rendered consoles over the one account system
(:mod:`ballotbox.services.accounts`), each with its own signed cookie
(:mod:`ballotbox.adapters.httpkit.account_cookie`).  A :class:`Console`
holds what differs (cookie, sign-in address, error template, the name its
pages call the signed-in account); the route class, the "who is signed in"
dependency, role checks and the status of a domain error are written once
here.  Whatever goes wrong, the request is refused, so nothing it changed is
committed.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

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


class SignInRequired(Exception):
    """No valid session: the console's route class sends the browser to its sign-in page."""


def status_of(error: BallotboxError) -> int:
    """HTTP status for a domain error on a console page."""
    return 403 if isinstance(error, PermissionDeniedError) else status_for(error)


@dataclass(frozen=True)
class Console:
    """One console: its cookie, sign-in page, templates and error page."""

    cookie: SessionCookie
    sign_in: str  # where a browser without a session is sent
    templates: Jinja2Templates
    error_template: str
    who: str  # what the pages call the signed-in account ("teller", "officer")

    @classmethod
    def of(
        cls, cookie: SessionCookie, sign_in: str, directory: Path, error_template: str, who: str
    ) -> Console:
        """A console whose templates are in ``directory`` (then the kit's own)."""
        templates = make_templates(directory)
        templates.env.globals["ROLE_NAMES"] = {r.value: name for r, name in ROLE_NAMES.items()}
        return cls(cookie, sign_in, templates, error_template, who)

    def render(
        self, request: Request, name: str, context: dict[str, Any], status_code: int = 200
    ) -> HTMLResponse:
        """Render a console page with the CSRF token, the signed-in account and its rights."""
        account: Teller | None = getattr(request.state, self.who, None)
        extra = {
            self.who: account,
            "can": (lambda p: account is not None and allowed(account.role, Permission(p))),
        }
        return kit_render(request, name, {**extra, **context}, status_code, using=self.templates)

    def error_page(self, request: Request, error: BallotboxError) -> HTMLResponse:
        """Refuse the request and show ``error`` on a console page."""
        refuse(request)
        return self.render(
            request, self.error_template, {"error": error}, status_code=status_of(error)
        )

    def route_class(self) -> type[APIRoute]:
        """Routes of this console: no session → sign-in page; a domain error → error page."""
        console = self

        class ConsoleRoute(APIRoute):
            def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
                original = super().get_route_handler()

                async def handler(request: Request) -> Response:
                    try:
                        return await original(request)
                    except SignInRequired:
                        refuse(request)
                        return RedirectResponse(console.sign_in, status_code=303)
                    except BallotboxError as error:
                        return console.error_page(request, error)

                return handler

        return ConsoleRoute

    @cached_property
    def signed_in(self) -> Callable[..., Teller]:
        """A dependency (one per console, so FastAPI caches it per request): the signed-in
        account, or SignInRequired."""

        def current(request: Request, session: SessionDep, ctx: ContextDep) -> Teller:
            sid = self.cookie.read(request, ctx)
            account = accounts.teller_for_session(session, ctx, sid) if sid else None
            if account is None:
                raise SignInRequired()
            setattr(request.state, self.who, account)
            return account

        return current

    def needs(self, permission: Permission) -> Callable[[Teller], Teller]:
        """A dependency: the signed-in account, if its role allows ``permission``."""

        signed_in = self.signed_in

        # A default, not an Annotated string: the closure's name cannot be looked up later.
        def dependency(account: Teller = Depends(signed_in)) -> Teller:  # noqa: B008
            accounts.require(account, permission)
            return account

        return dependency
