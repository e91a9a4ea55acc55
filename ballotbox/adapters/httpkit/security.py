"""Security headers on every response, and CSRF protection for forms.

The CSRF defence is a signed double-submit token: a SameSite=Strict cookie
that every form repeats in a hidden field, holding a random nonce and an
HMAC of it under the server's secret (``site.key``), bound on the teller
console to the teller's sign-in cookie.  A cookie and field that someone
planted together are refused: without the secret they cannot make the HMAC,
and a pair they fetched for themselves is bound to their session, not the
teller's.  Pages with tokens in their
address (``/v/<token>``) must never leak it, hence ``Referrer-Policy:
no-referrer`` and ``Cache-Control: no-store`` everywhere.
"""

from __future__ import annotations

import base64
import hashlib
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


# The consoles' sign-in cookies (ballotbox.adapters.postal.web_session.COOKIE for tellers,
# ballotbox.adapters.admin.session.COOKIE for officers): CSRF tokens for their pages are bound
# to them, so a pair made for one session is refused in another.
BOUND_COOKIES = {"/teller": "bb_teller", "/admin": "bb_admin"}


def _binding(request: Request) -> str:
    path: str = request.scope.get("path", "")
    for prefix, cookie in BOUND_COOKIES.items():
        if path == prefix or path.startswith(prefix + "/"):
            return request.cookies.get(cookie, "")
    return ""


def _mac(request: Request, nonce: str) -> str:
    secret = request.app.state.context.keys.site_secret(b"csrf")
    message = f"{nonce}|{_binding(request)}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _genuine(request: Request, token: str | None) -> bool:
    nonce, _, mac = (token or "").partition(".")
    return bool(nonce) and hmac.compare_digest(mac.encode(), _mac(request, nonce).encode())


def csrf_token(request: Request) -> str:
    """The token for forms on this page (the kit's ``render`` sets it as the cookie too)."""
    token = getattr(request.state, "csrf_token", None)  # made or checked in this request
    if token is None:
        token = request.cookies.get(CSRF_COOKIE)
        if not _genuine(request, token):
            nonce = secrets.token_urlsafe(24)
            token = f"{nonce}.{_mac(request, nonce)}"
        request.state.csrf_token = token
    return str(token)


async def verify_csrf(request: Request) -> None:
    """Reject a form post whose hidden token does not match its cookie or is not ours."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE)
    if (
        not isinstance(sent, str)
        or not cookie
        or not hmac.compare_digest(sent.encode(), cookie.encode())
        or not _genuine(request, cookie)
    ):
        raise CsrfError()
    request.state.csrf_token = cookie  # checked: the page this post answers keeps it
