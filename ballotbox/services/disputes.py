"""Disputes: a member reports that the published vote for their token is not the one cast.

A report comes by web, text (``DISPUTE <token> <code>``), phone (after a
check) or post (keyed by the officer), and is stored with no sender details
(:mod:`ballotbox.storage.models_offline`).  Each is marked by what its receipt
proves, so the public count on the audit page separates evidence from noise:

``signed-differs``
    a signed receipt (the web receipt) that verifies with the election's key,
    for this token, whose ballot is missing from the published list or
    differs from it: public evidence that a vote accepted was not published
    as cast.
``signed-matches``
    a valid signed receipt whose ballot is the one published.
``code-matches``
    a receipt code equal to the published vote's code: the receipt the
    member holds is for the vote as published.
``not-valid``
    a signed receipt that does not verify for this token, or a code that is
    not the published vote's.  A bare code cannot prove a missing vote: once
    the token key is revealed anyone can compute the code of any ballot, so
    only the signed receipt is evidence on its own.
``none``
    no receipt given.

Reports are taken only once the list is published (that is what they
dispute), with the same token checks as checking; the channels apply the
same failure limits around them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ballotbox.core.audit.chain import ballot_hash
from ballotbox.core.audit.receipts import code_keys, open_receipt, read_code, read_code_keys
from ballotbox.core.controlchars import control_character
from ballotbox.core.errors import DisputeLimitError, InputError, ReceiptCodeError
from ballotbox.core.i18n import N_
from ballotbox.core.tokens.hashing import token_hash
from ballotbox.core.vocabulary import CHANNELS
from ballotbox.services.checking import CheckedVote, check_vote
from ballotbox.services.context import Context
from ballotbox.storage import repository
from ballotbox.storage.models_offline import Dispute

__all__ = [
    "CHECKS",
    "DisputeReport",
    "ReceiptFormatError",
    "keys_match",
    "normalise_code",
    "report_dispute",
]

CHECKS = ("signed-differs", "signed-matches", "code-matches", "not-valid", "none")
MAX_TEXT = 2000
MAX_PER_TOKEN = 5
ID_BYTES = 16


@dataclass(frozen=True)
class DisputeReport:
    """What was recorded for one report (the caller tells the member)."""

    election: str
    receipt_check: str
    receipt_valid: bool
    vote: CheckedVote

    @property
    def evidence(self) -> bool:
        """True when the receipt alone proves a vote was accepted but not published as cast."""
        return self.receipt_check == "signed-differs"


ReceiptFormatError = ReceiptCodeError  # the name the adapters know it by


class DisputeTextError(InputError):
    code = "dispute_text"
    template = N_("Please keep the description under {most} characters, without {char}.")


def normalise_code(given: str) -> str:
    """A receipt code as typed (spaces, dashes, any case) in its printed form, or the error
    that says what is wrong with it (an O, 0, I or 1 is never in a code)."""
    return read_code(given)


def report_dispute(
    session: Session,
    ctx: Context,
    token: str,
    *,
    channel: str,
    receipt: str = "",
    keys: str = "",
    text: str = "",
    election_slug: str | None = None,
) -> DisputeReport:
    """Store one report about ``token``'s published vote, marked by what its receipt proves.

    ``receipt`` is a code as typed or a whole signed receipt; ``keys`` a code
    keyed on a phone, one key per symbol (:func:`ballotbox.core.audit.receipts.code_keys`),
    which matches when the published vote's code has those keys.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    text = text.strip()
    bad = control_character(text, multiline=True)
    if len(text) > MAX_TEXT or bad is not None:
        raise DisputeTextError(most=MAX_TEXT, char=bad or "control characters")
    given = receipt.strip()
    signed = _signed_receipt(given)
    code = "" if signed is not None or not given else normalise_code(given)
    keyed = read_code_keys(keys) if keys and not given else ""
    vote = check_vote(session, ctx, token, election_slug)
    election = repository.election_by_slug(session, vote.election)
    assert election.id is not None
    count = repository.dispute_count(session, election.id, vote.token.digits)
    if count >= MAX_PER_TOKEN:
        raise DisputeLimitError(count=count)
    if signed is not None:
        check = _check_signed(session, ctx, vote, signed)
        code = str(signed.get("code", ""))[:16]
    elif code:
        check = "code-matches" if code == vote.receipt_code else "not-valid"
    elif keyed:
        check = "code-matches" if keys_match(vote, keyed) else "not-valid"
        code = keyed  # as given: the keys, marked as such by the kind
    else:
        check = "none"
    session.add(
        Dispute(
            id=ctx.random_bytes(ID_BYTES),
            election_id=election.id,
            token=vote.token.digits,
            receipt_code=code,
            receipt_kind=_kind(signed is not None, keyed, code),
            receipt_valid=check in ("signed-differs", "signed-matches", "code-matches"),
            receipt_check=check,
            channel=channel,
            reported_on=ctx.clock.now().date(),
            text=text,
        )
    )
    session.flush()
    valid = check in ("signed-differs", "signed-matches", "code-matches")
    return DisputeReport(vote.election, check, valid, vote)


def keys_match(vote: CheckedVote, keys: str) -> bool:
    """True when ``keys`` (one keypad key per symbol) spell the published vote's receipt code."""
    return bool(vote.receipt_code) and code_keys(vote.receipt_code or "") == keys


def _kind(signed: bool, keyed: str, code: str) -> str:
    """What the member gave: ``signed``, ``keys`` (on a phone), ``code`` or ``none``."""
    if signed:
        return "signed"
    if keyed:
        return "keys"
    return "code" if code else "none"


def dispute_summary(session: Session, election_id: int) -> dict[str, int]:
    """How many reports the election has, in total and for each receipt check."""
    tally = repository.dispute_tally(session, election_id)
    return {"total": sum(tally.values()), **{check: tally.get(check, 0) for check in CHECKS}}


def _signed_receipt(given: str) -> dict[str, Any] | None:
    """The pasted receipt as JSON, when the member gave the whole signed receipt."""
    if not given.startswith("{"):
        return None
    try:
        parsed = json.loads(given)
    except ValueError:
        raise ReceiptFormatError() from None
    if not isinstance(parsed, dict):
        raise ReceiptFormatError()
    return parsed


def _check_signed(session: Session, ctx: Context, vote: CheckedVote, signed: dict[str, Any]) -> str:
    """``signed-differs``, ``signed-matches`` or ``not-valid`` for a pasted signed receipt."""
    body = open_receipt(ctx.keys.signing_key(vote.election).verify_key, signed)
    if body is None or body["election"] != vote.election:
        return "not-valid"
    hashed = token_hash(vote.token, ctx.keys.token_key(vote.election))
    if body["token_hash"] != hashed.hex():
        return "not-valid"
    ballot = repository.ballot_by_hash(session, hashed)
    if ballot is None:
        return "signed-differs"
    published = ballot_hash(ballot.token, json.loads(ballot.choices)).hex()
    return "signed-matches" if published == body["ballot_hash"] else "signed-differs"
