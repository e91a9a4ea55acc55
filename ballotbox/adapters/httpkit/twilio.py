"""Twilio at the edge: signed webhooks in, TwiML out, and who a caller is for the limits.

Every SMS and voice webhook passes :func:`twilio_params` first: with no auth
token configured the endpoint does not exist (404); a request whose
``X-Twilio-Signature`` does not match the configured public URL and the POST
parameters is refused (403) before anything is read from or written to the
database.

The failure limits and the replies to Twilio's retries are shared by every
worker and host (:mod:`ballotbox.services.guards`); a sender or caller is
only ever a keyed hash there, and a withheld caller ID counts as one call
(:func:`caller_source`).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from fastapi.responses import Response
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from ballotbox.config import Settings

SIGNATURE_HEADER = "X-Twilio-Signature"
# Twilio's own webhooks are a few kilobytes; an SMS body is at most 1,600 characters.
MAX_BODY_BYTES = 64 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"


class _Params(dict[str, list[str]]):
    """POST parameters with repeats kept, in the shape ``RequestValidator`` reads."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


def public_url_for(request: Request, settings: Settings) -> str:
    """The URL Twilio signed: the configured public base, the route path and the query."""
    path: str = request.scope.get("path", "")
    root: str = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    query = request.scope.get("query_string", b"").decode("latin-1")
    return settings.public_base + path + (f"?{query}" if query else "")


def auth_token(settings: Settings) -> str | None:
    """The configured Twilio auth token, or None when the Twilio channels are off."""
    if settings.twilio_auth_token is None:
        return None
    token = settings.twilio_auth_token.get_secret_value()
    return token or None


async def twilio_params(request: Request) -> dict[str, str]:
    """Dependency: the POST parameters of a request Twilio signed, or 404/403 and nothing else."""
    settings: Settings = request.app.state.settings
    token = auth_token(settings)
    if token is None:
        raise HTTPException(404)
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        raise HTTPException(403, "This address only answers requests signed by Twilio.")
    body = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if len(body) > MAX_BODY_BYTES or (body and content_type != FORM_TYPE):
        raise HTTPException(403, "This address only answers requests signed by Twilio.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(403, "This address only answers requests signed by Twilio.") from None
    params = _Params()
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    url = public_url_for(request, settings)
    if not RequestValidator(token).validate(url, params, signature):
        raise HTTPException(403, "This address only answers requests signed by Twilio.")
    return {name: values[0] for name, values in params.items()}


def sign(auth: str, url: str, params: dict[str, str]) -> str:
    """The ``X-Twilio-Signature`` Twilio would send for ``params`` posted to ``url``."""
    return str(RequestValidator(auth).compute_signature(url, params))


def twiml(document: object) -> Response:
    """A TwiML document (``MessagingResponse`` or ``VoiceResponse``) as the HTTP answer."""
    return Response(content=str(document), media_type="application/xml")


# What Twilio sends as ``From`` when the caller withholds their number.
_WITHHELD = {"", "anonymous", "restricted", "unknown", "private", "unavailable", "+266696687"}


def caller_source(params: dict[str, str]) -> str:
    """The source a call's failures count against: the caller ID, or the call if it is withheld.

    Withheld numbers all look alike; counting them as one caller would let one
    stranger lock out every member who withholds theirs, so each such call
    counts alone (a call gets three tries at a token anyway).
    """
    number = params.get("From", "").strip()
    if number.lower() in _WITHHELD or not any(ch.isdigit() for ch in number):
        return "call:" + params.get("CallSid", "")
    return number
