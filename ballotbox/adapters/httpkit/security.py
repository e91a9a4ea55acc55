"""Security headers on every response, and CSRF protection for forms.

The CSRF defence is a double-submit token: a random value in a SameSite=Strict
cookie that every form repeats in a hidden field.  Pages with tokens in their
address (``/v/<token>``) must never leak it, hence ``Referrer-Policy:
no-referrer`` and ``Cache-Control: no-store`` everywhere.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ballotbox.core.errors import BallotboxError
from ballotbox.core.i18n import N_

CSRF_COOKIE = "bb_csrf"
CSRF_FIELD = "csrf_token"

HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response (pure ASGI, no body buffering)."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.headers = HEADERS + (
            [(b"strict-transport-security", b"max-age=31536000")] if hsts else []
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in present]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CsrfError(BallotboxError):
    code = "csrf"
    template = N_(
        "This form has expired or came from another site. Go back, reload the page and try again."
    )


def csrf_token(request: Request) -> str:
    """The token for forms on this page; set as a cookie by :func:`remember_csrf`."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) != 43:
        token = getattr(request.state, "csrf_token", None) or secrets.token_urlsafe(32)
    request.state.csrf_token = token
    return token


async def verify_csrf(request: Request) -> None:
    """Reject a form post whose hidden token does not match its cookie."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE)
    if not isinstance(sent, str) or not cookie or not hmac.compare_digest(sent, cookie):
        raise CsrfError()
