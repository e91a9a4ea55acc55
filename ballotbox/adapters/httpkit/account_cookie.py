"""Signed sign-in cookies for the consoles (tellers' and officers'), and the request's source.

The cookie holds a random session id signed with itsdangerous (HttpOnly,
SameSite=Strict, Secure when ``settings.secure_cookies``); the table holds
only the id's SHA-256 (:mod:`ballotbox.services.accounts`).  The signing
secret is a file in the key directory, made on first use, never in the
database.  Each console has its own cookie name, path and salt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

from ballotbox.adapters.httpkit.limits import client_address
from ballotbox.services import Context, accounts

SECRET_FILE = "teller-session.key"  # noqa: S105 - a file name under the key folder, not a secret


@dataclass(frozen=True)
class SessionCookie:
    """One console's cookie: its name, path and signing salt."""

    name: str
    path: str
    salt: str

    def read(self, request: Request, ctx: Context) -> bytes | None:
        """The session id from the cookie, if it is there and its signature is good."""
        value = request.cookies.get(self.name)
        if not value:
            return None
        try:
            return bytes.fromhex(str(self._serializer(ctx).loads(value)))
        except (BadSignature, ValueError):
            return None

    def set(self, response: Response, ctx: Context, sid: bytes) -> None:
        """Hand the browser its signed session id."""
        response.set_cookie(
            self.name,
            self._serializer(ctx).dumps(sid.hex()),
            httponly=True,
            samesite="strict",
            secure=ctx.settings.secure_cookies,
            path=self.path,
            max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        )

    def clear(self, response: Response, ctx: Context) -> None:
        """Forget the session in the browser."""
        response.delete_cookie(
            self.name,
            path=self.path,
            httponly=True,
            samesite="strict",
            secure=ctx.settings.secure_cookies,
        )

    def _serializer(self, ctx: Context) -> URLSafeSerializer:
        return URLSafeSerializer(_secret(ctx), salt=self.salt)


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


def source_of(request: Request) -> str:
    """Where a sign-in attempt came from, for the lockout: the client as the failure limits
    see it (behind a trusted proxy, the address it forwards; an IPv6 client as its /64)."""
    return client_address(request)
