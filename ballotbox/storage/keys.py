"""Per-election secrets kept outside the database, in the key directory.

``<key_dir>/<slug>/token-hash.key``  32 random bytes: the BLAKE2b key for token hashes.
``<key_dir>/<slug>/signing.key``     Ed25519 seed: signs receipts, checkpoints, the commitment.
``<key_dir>/site.key``               32 random bytes, made on first use: the server's own secret,
                                     from which the CSRF tokens and the keyed hashes of the
                                     shared guards are derived (every host needs the same file).

A leaked database without this directory yields no usable tokens.  The
token-hash key is revealed in the bundle after the close; the signing key never is.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from nacl.signing import SigningKey

from ballotbox.core.audit.crypto import (
    KeyFileError,
    generate_signing_key,
    load_signing_key,
    save_signing_key,
)
from ballotbox.core.errors import BallotboxError
from ballotbox.core.i18n import N_
from ballotbox.core.tokens.hashing import KEY_BYTES, new_key

TOKEN_KEY_FILE = "token-hash.key"  # noqa: S105 - a file name, not a secret
SIGNING_KEY_FILE = "signing.key"
SITE_KEY_FILE = "site.key"


class KeyMissingError(BallotboxError):
    code = "key_missing"
    template = N_(
        "The keys for election “{slug}” are not in {path}. Set BALLOTBOX_KEY_DIR to the key "
        "directory used when the election was created."
    )


def _write_secret(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


class KeyStore:
    """Reads and creates the key files of every election under one directory."""

    def __init__(self, key_dir: Path) -> None:
        self.key_dir = Path(key_dir)

    def folder(self, slug: str) -> Path:
        """The folder holding ``slug``'s keys."""
        return self.key_dir / slug

    def create(self, slug: str) -> None:
        """Make fresh keys for a new election (never overwrites existing ones)."""
        folder = self.folder(slug)
        if not (folder / TOKEN_KEY_FILE).exists():
            _write_secret(folder / TOKEN_KEY_FILE, new_key())
        if not (folder / SIGNING_KEY_FILE).exists():
            save_signing_key(generate_signing_key(), folder / SIGNING_KEY_FILE)

    def has(self, slug: str) -> bool:
        """True when both key files exist for ``slug``."""
        folder = self.folder(slug)
        return (folder / TOKEN_KEY_FILE).is_file() and (folder / SIGNING_KEY_FILE).is_file()

    def token_key(self, slug: str) -> bytes:
        """The token-hash key for ``slug``."""
        return _read(self.folder(slug), TOKEN_KEY_FILE, slug, KEY_BYTES)

    def token_key_or_none(self, slug: str) -> bytes | None:
        """The token-hash key for ``slug``; None when its keys are gone (destroyed after the
        challenge period, deploy/README.md): no token can be found in that election any more."""
        try:
            return self.token_key(slug)
        except KeyMissingError:
            return None

    def site_secret(self, purpose: bytes) -> bytes:
        """A 32-byte secret for ``purpose`` (at most 16 bytes), derived from ``site.key``."""
        path = self.key_dir / SITE_KEY_FILE
        try:
            data = _read_cached(str(path), path.stat().st_mtime_ns)
        except FileNotFoundError:
            # Written aside and linked into place, so no worker ever reads a half-made file.
            draft = path.with_name(f".{SITE_KEY_FILE}.{os.getpid()}.{new_key().hex()[:8]}")
            _write_secret(draft, new_key())
            try:
                os.link(draft, path)
            except FileExistsError:  # another worker made it first
                pass
            finally:
                draft.unlink()
            data = _read_cached(str(path), path.stat().st_mtime_ns)
        return hashlib.blake2b(purpose, key=data, digest_size=32, person=b"bb-site-secret").digest()

    def signing_key(self, slug: str) -> SigningKey:
        """The Ed25519 signing key for ``slug`` (cached while the file is unchanged)."""
        path = self.folder(slug) / SIGNING_KEY_FILE
        try:
            return _signing_key_cached(str(path), path.stat().st_mtime_ns)
        except (FileNotFoundError, KeyFileError):
            raise KeyMissingError(slug=slug, path=str(path.parent)) from None


@lru_cache(maxsize=256)
def _signing_key_cached(path: str, mtime_ns: int) -> SigningKey:
    return load_signing_key(Path(path))


@lru_cache(maxsize=256)
def _read_cached(path: str, mtime_ns: int) -> bytes:
    return Path(path).read_bytes()


def _read(folder: Path, name: str, slug: str, size: int) -> bytes:
    path = folder / name
    try:
        data = _read_cached(str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        raise KeyMissingError(slug=slug, path=str(folder)) from None
    if len(data) != size:
        raise KeyMissingError(slug=slug, path=str(folder))
    return data
