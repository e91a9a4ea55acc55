"""Teller accounts: Argon2id passwords and sign-in sessions.

Passwords are hashed with libsodium's Argon2id (PyNaCl ``pwhash.argon2id``).
Wrong passwords never lock an account: then anyone could lock a teller out
on polling day, and the refusal would tell which usernames exist.  Password
guessing is limited instead per address and username together by the
console (:mod:`ballotbox.services.guards`), with the same answer for unknown
usernames.  A session id is 32 random bytes; the browser holds it (signed,
see :mod:`ballotbox.adapters.postal.web_session`) and the table holds only its SHA-256.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from functools import lru_cache

from nacl import pwhash
from nacl.exceptions import InvalidkeyError
from sqlmodel import Session

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_
from ballotbox.services import Context
from ballotbox.services.elections import aware
from ballotbox.services.postal import actions, queries
from ballotbox.services.postal.errors import LoginError, PermissionDeniedError
from ballotbox.services.postal.roles import ROLE_NAMES, Permission, allowed
from ballotbox.storage.models_postal import Role, Teller, TellerSession

SESSION_LIFETIME = timedelta(hours=10)
MIN_PASSWORD = 10
SID_BYTES = 32
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` in libsodium's self-describing string form."""
    return pwhash.argon2id.str(password.encode("utf-8")).decode("ascii")


def password_matches(stored: str, password: str) -> bool:
    """True when ``password`` matches the stored Argon2id hash."""
    try:
        return bool(pwhash.argon2id.verify(stored.encode("ascii"), password.encode("utf-8")))
    except InvalidkeyError:
        return False


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    # Unknown usernames still cost one Argon2id verification, so response
    # times do not tell which usernames exist.
    return hash_password("decoy password that matches nothing")


def add_teller(session: Session, ctx: Context, username: str, role: Role, password: str) -> Teller:
    """Create a teller account; the username is lower-cased."""
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise InputError(
            N_("A username is 2-64 letters, digits, dots, dashes or underscores; “{name}” is not."),
            name=username,
        )
    if queries.teller_by_username(session, name) is not None:
        raise InputError(N_("There is already a teller called “{name}”."), name=name)
    if len(password) < MIN_PASSWORD:
        raise InputError(N_("Use a password of at least {n} characters."), n=MIN_PASSWORD)
    teller = Teller(
        username=name, role=role, password_hash=hash_password(password), created_at=ctx.clock.now()
    )
    session.add(teller)
    session.flush()
    actions.record(session, ctx, teller.id, "account_created", detail=f"role {role.value}")
    return teller


def set_password(session: Session, ctx: Context, teller: Teller, password: str) -> int:
    """Replace a teller's password, lift any lockout and sign them out everywhere.

    Returns how many sign-in sessions were ended: whoever held the old
    password must sign in again with the new one.
    """
    if len(password) < MIN_PASSWORD:
        raise InputError(N_("Use a password of at least {n} characters."), n=MIN_PASSWORD)
    assert teller.id is not None
    teller.password_hash = hash_password(password)
    teller.failed_logins = 0
    teller.locked_until = None
    session.add(teller)
    ended = list(queries.sessions_of(session, teller.id))
    for row in ended:
        session.delete(row)
    actions.record(session, ctx, teller.id, "password_set", detail="by the returning officer (CLI)")
    session.flush()
    return len(ended)


def authenticate(session: Session, ctx: Context, username: str, password: str) -> Teller:
    """The teller whose password this is, or :class:`LoginError` (the same for unknown names).

    A wrong password for a known account is written to the action log, so the
    caller answers without refusing (its session dependency commits the log).
    """
    teller = queries.teller_by_username(session, username)
    if teller is None or not teller.active:
        password_matches(_decoy_hash(), password)
        raise LoginError()
    if not password_matches(teller.password_hash, password):
        actions.record(session, ctx, teller.id, "login_failed")
        session.flush()
        raise LoginError()
    teller.failed_logins = 0
    teller.locked_until = None
    session.add(teller)
    actions.record(session, ctx, teller.id, "login")
    return teller


def _sid_hash(sid: bytes) -> bytes:
    return hashlib.sha256(sid).digest()


def start_session(session: Session, ctx: Context, teller: Teller) -> bytes:
    """A new sign-in session for ``teller``; returns the id to hand to the browser."""
    assert teller.id is not None
    sid = ctx.random_bytes(SID_BYTES)
    now = ctx.clock.now()
    for stale in queries.expired_sessions(session, now):
        session.delete(stale)
    session.add(
        TellerSession(
            sid_hash=_sid_hash(sid),
            teller_id=teller.id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return sid


def teller_for_session(session: Session, ctx: Context, sid: bytes) -> Teller | None:
    """The signed-in teller for session id ``sid``, or None if unknown or expired."""
    row = queries.session_by_hash(session, _sid_hash(sid))
    if row is None or aware(row.expires_at) <= ctx.clock.now():
        return None
    teller = queries.teller_by_id(session, row.teller_id)
    if teller is None or not teller.active:
        return None
    return teller


def end_session(session: Session, ctx: Context, sid: bytes) -> None:
    """Sign out: forget the session."""
    row = queries.session_by_hash(session, _sid_hash(sid))
    if row is not None:
        actions.record(session, ctx, row.teller_id, "logout")
        session.delete(row)


def require(teller: Teller | None, permission: Permission) -> None:
    """Raise unless ``teller`` may do ``permission`` (None is the officer at the command line)."""
    if teller is None:
        return
    if not allowed(teller.role, permission):
        raise PermissionDeniedError(role=ROLE_NAMES.get(Role(teller.role), teller.role))
