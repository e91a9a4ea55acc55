"""One-time sign-in codes: TOTP (RFC 6238, 30-second steps, 6 digits) through pyotp.

The secret is 20 random bytes from the injected randomness, shown once as an
``otpauth://`` URI for an authenticator app.  A code is accepted one step
either side of now (clock drift), and never twice: the account remembers the
last step used.
"""

from __future__ import annotations

import base64
import hmac
from datetime import datetime, timedelta

import pyotp

from ballotbox.services.context import Context

STEP = timedelta(seconds=30)
ISSUER = "ballotbox"


def new_secret(ctx: Context) -> str:
    """A fresh base32 secret (160 bits)."""
    return base64.b32encode(ctx.random_bytes(20)).decode("ascii")


def uri(secret: str, username: str, issuer: str = ISSUER) -> str:
    """The ``otpauth://`` URI an authenticator app reads (usually as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def code_at(secret: str, moment: datetime) -> str:
    """The code for ``moment`` (for ``ballotbox demo`` and tests)."""
    return pyotp.TOTP(secret).at(moment)


def matching_step(secret: str, code: str, now: datetime, after_step: int) -> int | None:
    """The step of ``code`` (now or one step either side), if it is later than ``after_step``."""
    cleaned = "".join(code.split())
    if not (cleaned.isdigit() and len(cleaned) == 6):
        return None
    totp = pyotp.TOTP(secret)
    found = None
    for offset in (-1, 0, 1):
        moment = now + offset * STEP
        if hmac.compare_digest(totp.at(moment), cleaned):
            found = totp.timecode(moment)
    if found is None or found <= after_step:
        return None
    return found


def secret_of(otpauth: str) -> str:
    """The base32 secret inside an ``otpauth://`` URI."""
    secret = pyotp.parse_uri(otpauth).secret
    assert isinstance(secret, str)
    return secret
