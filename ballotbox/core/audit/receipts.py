"""Signed statements about the chain: the voter's receipt and the public checkpoint.

A receipt tells one voter where their ballot went: the keyed hash of their
token, the ballot's hash, its log position, the nonce that opens the blinded
log entry and the chain head just after it.  Its short code (8 characters
from an alphabet with no look-alikes: no O or 0, no I or 1) can be read out by
phone, texted or copied by hand, and looked up after the close.
The code depends only on the token hash and the ballot hash, never on the
position, nonce or head: once the token key is revealed anyone can compute
every published ballot's code, and a published code says nothing about when
the ballot was cast.
A checkpoint signs the chain head at a position, with the number of ballot
entries so far, so the log cannot later be rewritten without detection.
Pure: standard library and PyNaCl.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import nacl.signing

from ballotbox.core.audit import crypto
from ballotbox.core.errors import ReceiptCodeError, ReceiptLookalikeError

RECEIPT_FIELDS = frozenset({"election", "token_hash", "ballot_hash", "position", "nonce", "head"})
CHECKPOINT_FIELDS = frozenset({"election", "position", "head", "ballots", "time"})
CODE_LENGTH = 8
CODE_DOMAIN = b"ballotbox/v1/code\x00"
# 32 symbols, 5 bits each: the digits 2-9 and the letters without I and O, so
# that nothing written, keyed or heard can be taken for something else.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LOOKALIKES = frozenset("O0I1")
_SEPARATORS = re.compile(r"[\s.\-‐‑–—]+")


def receipt_code(token_hash: bytes, ballot_hash: bytes) -> str:
    """The short code: the first 40 bits of SHA-256(CODE_DOMAIN, token hash, ballot hash),
    as 8 symbols of :data:`CODE_ALPHABET`, most significant first."""
    digest = hashlib.sha256(CODE_DOMAIN + token_hash + ballot_hash).digest()
    bits = int.from_bytes(digest[: CODE_LENGTH * 5 // 8], "big")
    return "".join(
        CODE_ALPHABET[(bits >> (5 * (CODE_LENGTH - 1 - i))) & 31] for i in range(CODE_LENGTH)
    )


# The letters printed on each key of a telephone keypad (ITU E.161): a code is
# keyed one key per symbol, a digit on its own key, a letter on the key that
# carries it.  Eight keys say less than the code, but enough to tell whether a
# code is the one expected (a different code has the same keys about once in
# 8**8 = 16.8 million).
KEYPAD = {
    "2": "ABC", "3": "DEF", "4": "GHI", "5": "JKL",
    "6": "MNO", "7": "PQRS", "8": "TUV", "9": "WXYZ",
}  # fmt: skip
_KEY_OF = {ch: key for key, letters in KEYPAD.items() for ch in key + letters}


def code_keys(code: str) -> str:
    """The keys that spell ``code`` on a telephone keypad: ``RKGGYQSA`` → ``75449772``."""
    return "".join(_KEY_OF[ch] for ch in code)


def read_code_keys(keys: str) -> str:
    """A receipt code keyed on a phone (8 keys from 2 to 9), or :class:`ReceiptCodeError`."""
    keys = keys.strip()
    if len(keys) != CODE_LENGTH or any(key not in KEYPAD for key in keys):
        raise ReceiptCodeError()
    return keys


def read_code(given: str) -> str:
    """A receipt code as typed or keyed (any case, spaces, dots, dashes) in its printed form.

    Raises :class:`ReceiptLookalikeError` for an O, 0, I or 1 (never in a code:
    the member misread something, and guessing what would be wrong as often as
    right), and :class:`ReceiptCodeError` for anything else that is not 8 symbols.
    """
    code = _SEPARATORS.sub("", given).upper()
    found = sorted(LOOKALIKES.intersection(code))
    if found and len(code) <= 2 * CODE_LENGTH:
        raise ReceiptLookalikeError(chars=" ".join(found))
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise ReceiptCodeError()
    return code


def make_receipt(
    key: nacl.signing.SigningKey,
    *,
    election: str,
    token_hash: bytes,
    ballot_hash: bytes,
    position: int,
    nonce: bytes,
    head: bytes,
) -> dict[str, Any]:
    """The signed receipt ``{"body", "signature", "code"}`` for one accepted ballot."""
    body = {
        "election": election,
        "token_hash": token_hash.hex(),
        "ballot_hash": ballot_hash.hex(),
        "position": position,
        "nonce": nonce.hex(),
        "head": head.hex(),
    }
    signature = crypto.sign(key, "receipt", body)
    return {"body": body, "signature": signature, "code": receipt_code(token_hash, ballot_hash)}


def open_receipt(public_key: nacl.signing.VerifyKey, receipt: Any) -> dict[str, Any] | None:
    """The body of a receipt whose signature and code hold, else None."""
    if not isinstance(receipt, dict) or set(receipt) != {"body", "signature", "code"}:
        return None
    body = crypto.open_envelope(
        public_key, "receipt", {"body": receipt["body"], "signature": receipt["signature"]}
    )
    if body is None or set(body) != RECEIPT_FIELDS:
        return None
    try:
        code = receipt_code(bytes.fromhex(body["token_hash"]), bytes.fromhex(body["ballot_hash"]))
    except (TypeError, ValueError):
        return None
    if receipt["code"] != code:
        return None
    return body


def make_checkpoint(
    key: nacl.signing.SigningKey,
    *,
    election: str,
    position: int,
    head: bytes,
    ballots: int,
    time: str,
) -> dict[str, Any]:
    """The signed checkpoint ``{"body", "signature"}`` for the head at ``position``."""
    body = {
        "election": election,
        "position": position,
        "head": head.hex(),
        "ballots": ballots,
        "time": time,
    }
    return crypto.envelope(key, "checkpoint", body)


def open_checkpoint(public_key: nacl.signing.VerifyKey, checkpoint: Any) -> dict[str, Any] | None:
    """The body of a checkpoint whose signature holds, else None."""
    body = crypto.open_envelope(public_key, "checkpoint", checkpoint)
    if body is None or set(body) != CHECKPOINT_FIELDS:
        return None
    return body
