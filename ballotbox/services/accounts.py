"""Accounts for the officers' and tellers' consoles: passwords, one-time codes, sessions.

One account system for every role (returning officer, supervisor, teller,
scrutineer; see :mod:`ballotbox.services.roles`).  Passwords are Argon2id
(:mod:`ballotbox.services.passwords`); accounts made for the officers'
console also have a TOTP secret (:mod:`ballotbox.services.totp`), and once an
account has one, every sign-in needs its code.

Lockout is by account *and* source together (``login_throttle``): after
:data:`MAX_FAILURES` failures from one address that address is refused for
that account for :data:`LOCKOUT`, while the officer can still sign in from
their own.  A session id is 32 random bytes; the browser holds it signed and
the table only its SHA-256.  Account changes are written to the officer log;
sign-ins to the teller action log, as before.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from sqlmodel import Session

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_
from ballotbox.services import officer_log, passwords, totp
from ballotbox.services.context import Context
from ballotbox.services.elections import aware
from ballotbox.services.postal import actions, queries
from ballotbox.services.postal.errors import AccountLockedError, LoginError, PermissionDeniedError
from ballotbox.services.roles import ROLE_NAMES, Permission, allowed
from ballotbox.storage import repository_accounts
from ballotbox.storage.models_accounts import LoginThrottle
from ballotbox.storage.models_postal import Role, Teller, TellerSession

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=10)
MIN_PASSWORD = passwords.MIN_PASSWORD
SID_BYTES = 32
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}\Z")
LOCAL = "local"  # the source of sign-ins made in-process (the CLI, tests)
WRONG_WITH_CODE = N_("Wrong username, password or one-time code.")


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password``."""
    return passwords.hash_password(password)


def password_matches(stored: str, password: str) -> bool:
    """True when ``password`` matches the stored hash."""
    return passwords.password_matches(stored, password)


def account_named(session: Session, username: str) -> Teller:
    """The account called ``username``; InputError if there is none."""
    account = queries.teller_by_username(session, username.strip().lower())
    if account is None:
        raise InputError(N_("There is no account called “{name}”."), name=username)
    return account


def add_teller(session: Session, ctx: Context, username: str, role: Role, password: str) -> Teller:
    """Create an account without one-time codes (the teller console's); lower-cases the name."""
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise InputError(
            N_("A username is 2-64 letters, digits, dots, dashes or underscores; “{name}” is not."),
            name=username,
        )
    if queries.teller_by_username(session, name) is not None:
        raise InputError(N_("There is already an account called “{name}”."), name=name)
    passwords.check_strength(password)
    teller = Teller(
        username=name, role=role, password_hash=hash_password(password), created_at=ctx.clock.now()
    )
    session.add(teller)
    session.flush()
    actions.record(session, ctx, teller.id, "account_created", detail=f"role {role.value}")
    return teller


def add_officer(
    session: Session, ctx: Context, username: str, role: Role, password: str
) -> tuple[Teller, str]:
    """Create an account with one-time codes; returns it and its ``otpauth://`` URI."""
    account = add_teller(session, ctx, username, role, password)
    account.totp_secret = totp.new_secret(ctx)
    session.add(account)
    officer_log.record(session, ctx, None, "account_created", detail=f"{name_of(account)}")
    return account, totp.uri(account.totp_secret, account.username, ctx.settings.organisation)


def name_of(account: Teller) -> str:
    """``ann (returning officer)``."""
    return f"{account.username} ({ROLE_NAMES.get(Role(account.role), account.role)})"


def _end_sessions(session: Session, account: Teller) -> int:
    assert account.id is not None
    ended = list(queries.sessions_of(session, account.id))
    for row in ended:
        session.delete(row)
    return len(ended)


def set_password(
    session: Session, ctx: Context, teller: Teller, password: str, by: Teller | None = None
) -> int:
    """Replace a password, lift any lockout and sign the account out everywhere.

    Returns how many sign-in sessions were ended: whoever held the old
    password must sign in again with the new one.
    """
    require(by, Permission.MANAGE_ACCOUNTS)
    passwords.check_strength(password)
    teller.password_hash = hash_password(password)
    session.add(teller)
    repository_accounts.forget_throttles(session, teller.username)
    ended = _end_sessions(session, teller)
    who = "by the returning officer (CLI)" if by is None else f"by {by.username}"
    actions.record(session, ctx, teller.id, "password_set", detail=who)
    officer_log.record(session, ctx, by, "password_reset", detail=teller.username)
    session.flush()
    return ended


def reset_totp(session: Session, ctx: Context, account: Teller, by: Teller | None = None) -> str:
    """Give the account a new one-time code secret (the old app stops working); returns its URI.

    The account is signed out everywhere.
    """
    require(by, Permission.MANAGE_ACCOUNTS)
    account.totp_secret = totp.new_secret(ctx)
    account.totp_step = 0
    session.add(account)
    _end_sessions(session, account)
    officer_log.record(session, ctx, by, "one_time_codes_reset", detail=account.username)
    session.flush()
    return totp.uri(account.totp_secret, account.username, ctx.settings.organisation)


def revoke_sessions(
    session: Session, ctx: Context, account: Teller, by: Teller | None = None
) -> int:
    """Sign the account out everywhere; returns how many sessions ended."""
    require(by, Permission.MANAGE_ACCOUNTS)
    ended = _end_sessions(session, account)
    officer_log.record(session, ctx, by, "sessions_revoked", detail=f"{account.username}: {ended}")
    session.flush()
    return ended


def unlock(session: Session, ctx: Context, account: Teller, by: Teller | None = None) -> int:
    """Lift every lockout of the account (from any source); returns how many there were."""
    require(by, Permission.MANAGE_ACCOUNTS)
    lifted = repository_accounts.forget_throttles(session, account.username)
    who = "by the returning officer (CLI)" if by is None else f"by {by.username}"
    actions.record(session, ctx, account.id, "unlocked", detail=who)
    officer_log.record(session, ctx, by, "unlocked", detail=account.username)
    return lifted


def locked_until(session: Session, ctx: Context, username: str) -> datetime | None:
    """The latest lockout of the account from any source that is still running, if any."""
    now = ctx.clock.now()
    running = [
        aware(row.locked_until)
        for row in repository_accounts.throttles_of(session, username)
        if row.locked_until is not None and aware(row.locked_until) > now
    ]
    return max(running, default=None)


def source_key(source: str) -> str:
    """What the throttle stores for a source address: its SHA-256, not the address."""
    return hashlib.sha256(source.encode("utf-8", "replace")).hexdigest()


def _fail(session: Session, ctx: Context, name: str, source: str, account: Teller | None) -> None:
    """Count a failure for (account, source); lock that pair at MAX_FAILURES."""
    now = ctx.clock.now()
    row = repository_accounts.throttle(session, name, source) or LoginThrottle(
        username=name, source=source, last_failure=now
    )
    row.failures += 1
    row.last_failure = now
    account_id = account.id if account is not None else None
    if account is not None:
        actions.record(session, ctx, account_id, "login_failed")
    if row.failures >= MAX_FAILURES:
        row.locked_until = now + LOCKOUT
        row.failures = 0
        if account is not None:
            actions.record(session, ctx, account_id, "locked", detail=f"{MAX_FAILURES} failures")
    session.add(row)
    session.flush()
    if row.locked_until is not None and aware(row.locked_until) > now:
        raise AccountLockedError(until=aware(row.locked_until).strftime("%H:%M UTC"))


def authenticate(
    session: Session,
    ctx: Context,
    username: str,
    password: str,
    *,
    source: str = LOCAL,
    code: str | None = None,
    need_code: bool = False,
) -> Teller:
    """The account whose password (and one-time code) this is; LoginError or AccountLockedError.

    ``source`` is where the attempt came from (an IP address); the lockout is
    for this account from this source only.  ``need_code`` refuses accounts
    without one-time codes (the officers' console).  Failures are counted
    even though the caller's request fails, so the caller must commit after
    catching these errors.
    """
    now = ctx.clock.now()
    name = username.strip().lower()[:64]
    key = source_key(source)
    repository_accounts.forget_stale_throttles(session, now - LOCKOUT * 4)
    throttle = repository_accounts.throttle(session, name, key)
    account = queries.teller_by_username(session, name)
    if throttle is not None and throttle.locked_until is not None:
        if aware(throttle.locked_until) > now:
            if account is not None:
                actions.record(session, ctx, account.id, "login_refused", detail="account locked")
            raise AccountLockedError(until=aware(throttle.locked_until).strftime("%H:%M UTC"))
        throttle.locked_until = None
    wrong = LoginError(WRONG_WITH_CODE) if need_code else LoginError()
    if account is None or not account.active:
        passwords.password_matches(passwords.decoy_hash(), password)
        _fail(session, ctx, name, key, None)
        raise wrong
    good = password_matches(account.password_hash, password)
    step = None
    if good and (need_code or account.totp_secret):
        secret = account.totp_secret
        step = totp.matching_step(secret, code or "", now, account.totp_step) if secret else None
        good = step is not None
    if not good:
        _fail(session, ctx, name, key, account)
        raise wrong
    if step is not None:
        account.totp_step = step
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    session.add(account)
    if throttle is not None:
        session.delete(throttle)
    actions.record(session, ctx, account.id, "login")
    return account


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
    """The signed-in account for session id ``sid``, or None if unknown, expired or revoked."""
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
