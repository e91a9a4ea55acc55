"""The verifier's single pass over each large file: tokens.csv, ballots.csv and log.jsonl.

Each scan reads its file once, in batches of lines, and keeps only what the
checks need and what does not grow with the number of ballots: counts, the
Merkle root built level by level, the chain head, the lifecycle events, the
heads at the positions that checkpoints and receipts name, and each
contest's distinct rankings with their counts (what the recount needs).

Whether every ballot's token is one marked ``voted`` in the token list is
decided without holding either list: both sides are summed under a keyed
hash whose key is secret to this run (a multiset hash, :class:`Fingerprint`).
A bundle written without that key cannot make different lists sum alike
except by chance (about 2^-120).  When the sums differ, or a file is not in the
canonical form the fast path expects, the check reads the lists again in full
to name every offending line (see verify_checks).
Pure: standard library only.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import operator
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ballotbox.core.audit.bundle import BundleReadError, LogEntry
from ballotbox.core.audit.chain import BALLOT_KIND, GENESIS, canonical_json
from ballotbox.core.audit.merkle import EMPTY_ROOT, LEAF_PREFIX, NODE_PREFIX
from ballotbox.core.audit.source import BundleSource

HEX = b"0123456789abcdef"
TOKENS_HEADER = b"token_hash,state"
STATES = (b"voted", b"unused", b"void")
_sha256 = hashlib.sha256


class Fingerprint:
    """A multiset hash of token hashes: the sum of a keyed hash of each, under a secret key.

    Each token hash ``h`` counts as two 64-bit values, the interpreter's own keyed hash
    (SipHash, keyed from os.urandom at start-up) of ``0x00 || h`` and of ``h``, summed
    separately.  That costs a fraction of a BLAKE2b per element.  When the interpreter's
    key is fixed (PYTHONHASHSEED set) anyone could know it, so BLAKE2b under a key drawn
    here is used instead.  Tokens.csv feeds ``0x00 || h`` (its Merkle leaf input);
    ballots.csv feeds the bare keyed token hash.
    """

    def __init__(self, key: bytes) -> None:
        self.secret_siphash = os.environ.get("PYTHONHASHSEED", "random") == "random"
        self._base = hashlib.blake2b(digest_size=32, key=key, person=b"ballotbox-mset")
        self.total = 0
        self.other = 0

    def add_prefixed(self, elements: list[bytes]) -> None:
        """Add hashes given as ``0x00 || h`` (33 bytes)."""
        if self.secret_siphash:
            self.total += sum(map(hash, elements))
            self.other += sum(hash(element[1:]) for element in elements)
        else:
            self._blake(elements)

    def add(self, elements: list[bytes]) -> None:
        """Add bare 32-byte hashes."""
        if self.secret_siphash:
            self.total += sum(hash(LEAF_PREFIX + element) for element in elements)
            self.other += sum(map(hash, elements))
        else:
            self._blake([LEAF_PREFIX + element for element in elements])

    def _blake(self, prefixed: list[bytes]) -> None:
        base, convert = self._base, int.from_bytes
        total = 0
        for element in prefixed:
            h = base.copy()
            h.update(element)
            total += convert(h.digest())
        self.total += total

    def value(self) -> tuple[int, int]:
        """The multiset's fingerprint; equal for equal multisets, else almost surely not."""
        return self.total, self.other


class MerkleBuilder:
    """The Merkle root of sorted leaves fed in batches (audit/merkle.py's rule, level by level)."""

    def __init__(self) -> None:
        self.pending: list[bytes | None] = []

    def add_leaves(self, prefixed: list[bytes]) -> None:
        """Add keyed token hashes, each after its 0x00 prefix, already in ascending order."""
        self._add(0, [_sha256(leaf).digest() for leaf in prefixed])

    def _add(self, level: int, nodes: list[bytes]) -> None:
        while nodes:
            if level == len(self.pending):
                self.pending.append(None)
            carried = self.pending[level]
            if carried is not None:
                nodes.insert(0, carried)
            self.pending[level] = nodes.pop() if len(nodes) % 2 else None
            nodes = [
                _sha256(NODE_PREFIX + left + right).digest()
                for left, right in zip(nodes[0::2], nodes[1::2], strict=True)
            ]
            level += 1

    def root(self) -> bytes:
        """The root: a last unpaired node on each level is carried up unchanged."""
        carry: bytes | None = None
        for node in self.pending:
            if node is not None:
                carry = node if carry is None else _sha256(NODE_PREFIX + node + carry).digest()
        return EMPTY_ROOT if carry is None else carry


@dataclass(slots=True)
class TokenScan:
    """tokens.csv read once: counts, Merkle root, void list and the voted fingerprint."""

    count: int = 0
    states: Counter[str] = field(default_factory=Counter)
    merkle_root: bytes = EMPTY_ROOT
    void: list[str] = field(default_factory=list)
    voted: tuple[int, int] = (0, 0)
    #: Not canonical (unsorted, duplicate, unknown state, bad hex, quoted): read again in full.
    irregular: bool = False


def scan_tokens(source: BundleSource, key: bytes) -> TokenScan:
    """One pass over tokens.csv."""
    scan = TokenScan()
    merkle, voted = MerkleBuilder(), Fingerprint(key)
    previous = b""
    first = True
    for batch in source.lines("tokens.csv"):
        if first:
            first = False
            if not batch or batch.pop(0) != TOKENS_HEADER:
                scan.irregular = True
        if scan.irregular or not batch:
            continue
        pairs = [line.split(b",") for line in batch]
        hashes = [pair[0] for pair in pairs]
        if set(map(len, pairs)) != {2} or set(map(len, hashes)) != {64}:
            scan.irregular = True
            continue
        states = [pair[1] for pair in pairs]
        joined = b"".join(hashes)
        ascending = previous < hashes[0] and all(map(operator.lt, hashes, hashes[1:]))
        counted = Counter(states)
        if joined.translate(None, HEX) or not ascending or not set(counted) <= set(STATES):
            scan.irregular = True
            continue
        previous = hashes[-1]
        for state, number in counted.items():
            scan.states[state.decode()] += number
        scan.count += len(pairs)
        # 0x00 || hash for each token: the Merkle leaf's input, unhexed in one call.
        raw = binascii.unhexlify(b"00" + b"00".join(hashes))
        leaves = [raw[i : i + 33] for i in range(0, len(raw), 33)]
        merkle.add_leaves(leaves)
        if counted[b"voted"]:
            voted.add_prefixed(
                [leaf for leaf, s in zip(leaves, states, strict=True) if s == b"voted"]
            )
        if counted[b"void"]:
            scan.void.extend(
                h.decode() for h, s in zip(hashes, states, strict=True) if s == b"void"
            )
    scan.merkle_root, scan.voted = merkle.root(), voted.value()
    return scan


def mset_key() -> bytes:
    """The key for this run's multiset hashes: random, so no bundle can be written against it."""
    return os.urandom(32)


@dataclass(slots=True)
class LogScan:
    """log.jsonl read once: the chain checked, events kept, heads where they are asked for."""

    length: int = 0
    ballots: int = 0
    chain_problem: str | None = None
    #: Every entry that is not a ballot, with its line's index as its position.
    events: list[LogEntry] = field(default_factory=list)
    #: Ballot entries before each event, by the event's index.
    ballots_before: dict[int, int] = field(default_factory=dict)
    heads: dict[int, bytes] = field(default_factory=dict)
    payloads: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: Ballot entries at positions up to and including each watched position.
    running: dict[int, int] = field(default_factory=dict)


# A canonical ballot line: fixed text around the hash, the commitment and the position.
_HEAD, _MIDDLE, _TAIL = (
    b'{"hash":"',
    b'","payload":{"commitment":"',
    b'","kind":"ballot"},"position":',
)


def scan_log(source: BundleSource, watched: set[int]) -> LogScan:
    """One pass over log.jsonl: recompute every head, compare, keep what the checks need."""
    scan = LogScan()
    head = GENESIS
    chain = hashlib.blake2b(digest_size=32, person=b"ballotbox-chain")
    hexlify = binascii.hexlify
    index = ballots = 0
    for batch in source.lines("log.jsonl"):
        for line in batch:
            # A ballot entry in canonical form: its payload is the line's own bytes 85..182.
            digits = line[194:-1]
            if (
                line[:9] == _HEAD
                and line[73:100] == _MIDDLE
                and line[164:194] == _TAIL
                and line[-1:] == b"}"
                and digits.isdigit()
                and (digits[:1] != b"0" or digits == b"0")
                and not line[100:164].translate(None, HEX)
            ):
                h = chain.copy()
                h.update(head)
                h.update(index.to_bytes(8, "big"))
                h.update(line[85:182])
                head = h.digest()
                ballots += 1
                if scan.chain_problem is None and (
                    int(digits) != index or hexlify(head) != line[9:73]
                ):
                    scan.chain_problem = _break(index, int(digits), line[9:73], head)
                if index in watched:
                    scan.heads[index], scan.running[index] = head, ballots
                    scan.payloads[index] = json.loads(line[85:182])
                index += 1
                continue
            entry = _entry(index + 1, line)
            payload = entry.payload
            h = chain.copy()
            h.update(head)
            h.update(index.to_bytes(8, "big"))
            h.update(canonical_json(payload))
            head = h.digest()
            if scan.chain_problem is None:
                scan.chain_problem = _break(index, entry.position, entry.hash.encode(), head)
            if payload.get("kind") == BALLOT_KIND:
                ballots += 1
            else:
                scan.ballots_before[index] = ballots
                scan.events.append(LogEntry(index, payload, head.hex()))
            if index in watched:
                scan.heads[index], scan.running[index], scan.payloads[index] = (
                    head,
                    ballots,
                    payload,
                )
            index += 1
    scan.length, scan.ballots = index, ballots
    return scan


def _break(index: int, position: int, written: bytes, head: bytes) -> str | None:
    """The chain problem at this line, if any (only the first is reported)."""
    where = f"log.jsonl, line {index + 1}"
    if position != index:
        return (
            f"{where}: position {position} where {index} was expected "
            "(an entry was removed, added or moved)"
        )
    return (
        None
        if written == head.hex().encode()
        else f"{where}: hash does not match the chain (entry altered or reordered)"
    )


def _entry(number: int, line: bytes) -> LogEntry:
    """A log line that is not a canonical ballot entry, read in full (as the bundle reader does)."""
    try:
        value = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise BundleReadError(f"log.jsonl, line {number}: not JSON ({exc})") from exc
    if (
        not isinstance(value, dict)
        or set(value) != {"hash", "payload", "position"}
        or not isinstance(value["position"], int)
        or not isinstance(value["payload"], dict)
        or not isinstance(value["hash"], str)
    ):
        raise BundleReadError(
            f"log.jsonl, line {number}: expected {{position: int, payload: object, hash: hex}}"
        )
    return LogEntry(position=value["position"], payload=value["payload"], hash=value["hash"])
