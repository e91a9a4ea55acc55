"""A call's progress between webhooks, sealed into the ``action`` URL and held nowhere else.

Why sealed in the URL rather than kept in memory or a table: nothing about
the call (token so far, choices so far) exists on the server between two
keypad entries, so it works with several workers and across a restart, and
there is nothing to leak, expire or clean up.  The state is JSON encrypted
and authenticated with XSalsa20-Poly1305 (PyNaCl ``SecretBox``) under a key
derived from the Twilio auth token *and the call's CallSid*.  The CallSid
travels only in the signed POST body, never in a URL, so a proxy access log
or Twilio's URL log alone holds ciphertext that even the auth token cannot
open; and a state cut from one call is useless in any other.  Each state
carries the time it was sealed and is refused after :data:`MAX_AGE`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import nacl.exceptions
import nacl.secret

MAX_AGE = timedelta(minutes=20)
STAGES = (
    "language", "token", "choose", "confirm", "ballot", "record", "voicemail", "checked",
    "dispute", "dispute_confirm",
)  # fmt: skip


@dataclass(frozen=True)
class CallState:
    """Where a call has got to: the stage, tries left, and what was keyed so far.

    ``choices`` are the contest being keyed; on a ballot of several contests
    ``contest`` is its position and ``ballot`` holds the contests already done
    (key → choices, [] for one skipped).  ``menu`` is the voicemail's list of
    ballots (slugs, in the order they were offered) and ``code`` the receipt
    code's keys keyed for a dispute.
    """

    stage: str = "token"
    tries: int = 0
    token: str = ""
    election: str = ""
    choices: list[int] = field(default_factory=list)
    sealed_at: int = 0
    contest: int = 0
    ballot: dict[str, list[int]] = field(default_factory=dict)
    lang: str = ""  # the language chosen from the first menu, or the ballot's first
    menu: list[str] = field(default_factory=list)
    code: str = ""

    def next(self, **changes: Any) -> CallState:
        """A copy with ``changes``; a new stage starts with its tries at zero."""
        if "stage" in changes and changes["stage"] != self.stage:
            changes.setdefault("tries", 0)
        return replace(self, **changes)


class StateError(Exception):
    """The state was tampered with, belongs to another call, or is too old."""


def _key(auth_token: str, call_sid: str) -> bytes:
    master = hashlib.blake2b(auth_token.encode("utf-8"), digest_size=32, person=b"bb-phone-state")
    return hashlib.blake2b(
        call_sid.encode("utf-8"), key=master.digest(), digest_size=nacl.secret.SecretBox.KEY_SIZE
    ).digest()


def seal(state: CallState, *, auth_token: str, call_sid: str, now: datetime, nonce: bytes) -> str:
    """``state`` as a URL-safe sealed string for this call, stamped with ``now``."""
    stamped = replace(state, sealed_at=int(now.timestamp()))
    plain = json.dumps(asdict(stamped), separators=(",", ":")).encode("utf-8")
    box = nacl.secret.SecretBox(_key(auth_token, call_sid))
    sealed = box.encrypt(plain, nonce[: nacl.secret.SecretBox.NONCE_SIZE])
    return base64.urlsafe_b64encode(bytes(sealed)).decode("ascii").rstrip("=")


def open_state(text: str, *, auth_token: str, call_sid: str, now: datetime) -> CallState:
    """The state sealed in ``text`` for this call, or :class:`StateError`."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        plain = nacl.secret.SecretBox(_key(auth_token, call_sid)).decrypt(raw)
        data = json.loads(plain)
        state = CallState(**data)
    except (ValueError, TypeError, nacl.exceptions.CryptoError) as exc:
        raise StateError("unreadable call state") from exc
    if (
        state.stage not in STAGES
        or not isinstance(state.choices, list)
        or not isinstance(state.ballot, dict)
        or not isinstance(state.contest, int)
        or not isinstance(state.menu, list)
        or not all(isinstance(slug, str) for slug in state.menu)
        or not isinstance(state.code, str)
    ):
        raise StateError("unreadable call state")
    age = now.timestamp() - state.sealed_at
    if age < -60 or age > MAX_AGE.total_seconds():
        raise StateError("call state too old")
    return state
