"""The teller console's sign-in cookie, route class and rendering.

The signed cookie is the HTTP kit's (:mod:`ballotbox.adapters.httpkit.account_cookie`),
over the one account system the officers' console uses too.  Forms use the
web channel's CSRF double-submit token.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request, Response

from ballotbox.adapters.httpkit.account_cookie import SessionCookie
from ballotbox.adapters.httpkit.console import Console, SignInRequired, status_of
from ballotbox.adapters.httpkit.templating import register_phrases
from ballotbox.services import Context
from ballotbox.services.postal.matching import REJECTION_REASONS, SPOILT_REASONS
from ballotbox.services.postal.reconcile import TOTAL_LABEL

__all__ = [
    "COOKIE", "ConsoleRoute", "SignInRequired", "clear_session_cookie", "current_teller", "needs",
    "render", "session_id", "set_session_cookie", "status_of", "templates",
]  # fmt: skip

COOKIE = SessionCookie(name="bb_teller", path="/teller", salt="ballotbox teller session")
CONSOLE = Console.of(COOKIE, "/teller/login", Path(__file__).parent / "templates",
                     "teller_error.html", "teller")  # fmt: skip
register_phrases(*SPOILT_REASONS.values(), *REJECTION_REASONS.values(), TOTAL_LABEL)

templates = CONSOLE.templates
render = CONSOLE.render
#: Routes of the console: no session → sign-in page; a domain error → a console page.
ConsoleRoute = CONSOLE.route_class()
#: The signed-in teller, or SignInRequired.
current_teller = CONSOLE.signed_in
needs = CONSOLE.needs


def session_id(request: Request, ctx: Context) -> bytes | None:
    """The session id from the cookie, if it is there and its signature is good."""
    return COOKIE.read(request, ctx)


def set_session_cookie(response: Response, ctx: Context, sid: bytes) -> None:
    """Hand the browser its signed session id."""
    COOKIE.set(response, ctx, sid)


def clear_session_cookie(response: Response, ctx: Context) -> None:
    """Forget the session in the browser."""
    COOKIE.clear(response, ctx)
