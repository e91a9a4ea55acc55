"""The election's Ed25519 key pair and the signed statements made with it.

One key pair per election (PyNaCl).  The public key is published; the private
key stays in the key directory in a file only its owner can read.  Every
signature covers a domain-separation prefix naming the kind of statement,
then the statement's canonical JSON, so a signature on a checkpoint can never
be replayed as a receipt or a commitment.  Pure: standard library and PyNaCl.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing

from ballotbox.core.audit.chain import canonical_json

SIGNATURE_BYTES = 64
PUBLIC_KEY_BYTES = 32
SEED_BYTES = 32
KINDS = frozenset({"commitment", "receipt", "checkpoint", "manifest"})


class KeyFileError(Exception):
    """A key file is missing, malformed or readable by others."""


def generate_signing_key() -> nacl.signing.SigningKey:
    """A fresh random Ed25519 signing key for a new election."""
    return nacl.signing.SigningKey.generate()


def signing_key_from_seed(seed: bytes) -> nacl.signing.SigningKey:
    """The signing key for a 32-byte seed (tests and golden files use fixed seeds)."""
    if len(seed) != SEED_BYTES:
        raise ValueError(f"an Ed25519 seed is {SEED_BYTES} bytes, not {len(seed)}")
    return nacl.signing.SigningKey(seed)


def save_signing_key(key: nacl.signing.SigningKey, path: Path) -> None:
    """Write the key's seed as hex to ``path`` with mode 0600, replacing any old file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        # O_CREAT's mode is ignored when the file already exists, so force it.
        os.fchmod(fd, 0o600)
        os.write(fd, bytes(key).hex().encode("ascii") + b"\n")
    finally:
        os.close(fd)


def load_signing_key(path: Path) -> nacl.signing.SigningKey:
    """Read a key written by :func:`save_signing_key`; refuse files others can read."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{path}: cannot read the signing key ({exc})") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"{path}: the signing key is readable by others; chmod 600 it")
    try:
        return signing_key_from_seed(bytes.fromhex(text))
    except ValueError as exc:
        raise KeyFileError(f"{path}: not a hex Ed25519 seed ({exc})") from exc


def public_key_hex(key: nacl.signing.SigningKey) -> str:
    """The published form of the key's public half: 64 lowercase hex digits."""
    return bytes(key.verify_key).hex()


def parse_public_key(text: str) -> nacl.signing.VerifyKey:
    """Read a public key from its published hex form; ValueError if malformed."""
    raw = bytes.fromhex(text.strip())
    if len(raw) != PUBLIC_KEY_BYTES:
        raise ValueError(f"a public key is {PUBLIC_KEY_BYTES} bytes, not {len(raw)}")
    return nacl.signing.VerifyKey(raw)


def signed_message(kind: str, body: Any) -> bytes:
    """The exact bytes signed: ``b"ballotbox/v1/" + kind + b"\\x00" + canonical_json(body)``."""
    if kind not in KINDS:
        raise ValueError(f"unknown statement kind {kind!r}")
    return b"ballotbox/v1/" + kind.encode("ascii") + b"\x00" + canonical_json(body)


def sign(key: nacl.signing.SigningKey, kind: str, body: Any) -> str:
    """The detached Ed25519 signature of a statement, as 128 lowercase hex digits."""
    return key.sign(signed_message(kind, body)).signature.hex()


def verify(public_key: nacl.signing.VerifyKey, kind: str, body: Any, signature: str) -> bool:
    """True when ``signature`` (hex) is the public key's signature of this statement."""
    try:
        raw = bytes.fromhex(signature)
    except (TypeError, ValueError):
        return False
    if len(raw) != SIGNATURE_BYTES:
        return False
    try:
        public_key.verify(signed_message(kind, body), raw)
    except nacl.exceptions.BadSignatureError:
        return False
    return True


def envelope(key: nacl.signing.SigningKey, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """A signed statement as published: ``{"body": body, "signature": hex}``."""
    return {"body": body, "signature": sign(key, kind, body)}


def open_envelope(
    public_key: nacl.signing.VerifyKey, kind: str, statement: Any
) -> dict[str, Any] | None:
    """The body of a well-formed envelope whose signature holds, else None."""
    if not isinstance(statement, dict) or set(statement) != {"body", "signature"}:
        return None
    body, signature = statement["body"], statement["signature"]
    if not isinstance(body, dict) or not isinstance(signature, str):
        return None
    return body if verify(public_key, kind, body, signature) else None
