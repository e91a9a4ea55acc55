"""The verifier's single pass over each large file: tokens.csv, ballots.csv and log.jsonl.

Each scan reads its file once, in batches of lines, and keeps only what the
checks need and what does not grow with the number of ballots: counts, the
Merkle root built level by level, the chain head, the lifecycle events, the
heads at the positions that checkpoints and receipts name, and each
contest's distinct rankings with their counts (what the recount needs).

Whether every ballot's token is one marked ``voted`` in the token list is
decided without holding either list: both sides are summed under a keyed
hash whose key this run draws at random (a multiset hash).  A bundle written
before the key existed cannot make different lists sum alike except by
chance (about 2^-200).  When the sums differ, or a file is not in the
canonical form the fast path expects, the check reads the lists again in full
to name every offending line (see verify_checks).
Pure: standard library only.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import os
import re
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
BALLOT_LINE = re.compile(
    rb'\{"hash":"([0-9a-f]{64})","payload":(\{"commitment":"[0-9a-f]{64}","kind":"ballot"\}),'
    rb'"position":(0|[1-9][0-9]{0,17})\}'
)
_sha256 = hashlib.sha256


class Fingerprint:
    """A multiset hash: the sum of every element's BLAKE2b under a key drawn for this run."""

    def __init__(self, key: bytes) -> None:
        self._base = hashlib.blake2b(digest_size=32, key=key, person=b"ballotbox-mset")
        self.total = 0

    def add(self, elements: list[bytes]) -> None:
        """Add raw 32-byte hashes to the multiset."""
        base, convert = self._base, int.from_bytes
        total = 0
        for element in elements:
            h = base.copy()
            h.update(element)
            total += convert(h.digest())
        self.total += total


class MerkleBuilder:
    """The Merkle root of sorted leaves fed in batches (audit/merkle.py's rule, level by level)."""

    def __init__(self) -> None:
        self.pending: list[bytes | None] = []

    def add_leaves(self, raw: list[bytes]) -> None:
        """Add keyed token hashes, already in ascending order."""
        self._add(0, [_sha256(LEAF_PREFIX + h).digest() for h in raw])

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
    voted: int = 0
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
        if any(len(pair) != 2 or len(pair[0]) != 64 for pair in pairs):
            scan.irregular = True
            continue
        hashes = [pair[0] for pair in pairs]
        states = [pair[1] for pair in pairs]
        joined = b"".join(hashes)
        if joined.translate(None, HEX) or not previous < hashes[0]:
            scan.irregular = True
            continue
        if any(a >= b for a, b in zip(hashes, hashes[1:], strict=False)):
            scan.irregular = True
            continue
        previous = hashes[-1]
        counted = Counter(states)
        if not set(counted) <= set(STATES):
            scan.irregular = True
            continue
        for state, number in counted.items():
            scan.states[state.decode()] += number
        scan.count += len(pairs)
        raw = binascii.unhexlify(joined)
        leaves = [raw[i : i + 32] for i in range(0, len(raw), 32)]
        merkle.add_leaves(leaves)
        if counted[b"voted"]:
            voted.add([leaf for leaf, s in zip(leaves, states, strict=True) if s == b"voted"])
        if counted[b"void"]:
            scan.void.extend(
                h.decode() for h, s in zip(hashes, states, strict=True) if s == b"void"
            )
    scan.merkle_root, scan.voted = merkle.root(), voted.total
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


def scan_log(source: BundleSource, watched: set[int]) -> LogScan:
    """One pass over log.jsonl: recompute every head, compare, keep what the checks need."""
    scan = LogScan()
    head = GENESIS
    chain = hashlib.blake2b(digest_size=32, person=b"ballotbox-chain")
    fast = BALLOT_LINE.fullmatch
    unhex = binascii.unhexlify
    index = 0
    for batch in source.lines("log.jsonl"):
        for line in batch:
            match = fast(line)
            if match is not None:
                canonical, written, position = match[2], match[1], int(match[3])
                kind: Any = BALLOT_KIND
            else:
                entry = _entry(index + 1, line)
                payload, written, position = entry.payload, entry.hash.encode(), entry.position
                canonical, kind = canonical_json(payload), payload.get("kind")
            h = chain.copy()
            h.update(head)
            h.update(index.to_bytes(8, "big"))
            h.update(canonical)
            head = h.digest()
            if scan.chain_problem is None:
                scan.chain_problem = _break(index, position, written, head, unhex)
            if kind == BALLOT_KIND:
                scan.ballots += 1
            else:
                scan.ballots_before[index] = scan.ballots
                scan.events.append(LogEntry(index, payload, head.hex()))
            if index in watched:
                scan.heads[index] = head
                scan.running[index] = scan.ballots
                scan.payloads[index] = json.loads(canonical) if match else payload
            index += 1
    scan.length = index
    return scan


def _break(index: int, position: int, written: bytes, head: bytes, unhex: Any) -> str | None:
    """The chain problem at this line, if any (only the first is reported)."""
    where = f"log.jsonl, line {index + 1}"
    if position != index:
        return (
            f"{where}: position {position} where {index} was expected "
            "(an entry was removed, added or moved)"
        )
    try:
        same = unhex(written) == head
    except (binascii.Error, ValueError):
        same = False
    return None if same else f"{where}: hash does not match the chain (entry altered or reordered)"


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
