"""The checks of the offline verifier, one function per claim the bundle makes.

Each check takes the :class:`Evidence` read from the bundle and returns the
problems it found, each naming the file, line, token or position concerned;
an empty list means the claim holds.  Pure: standard library and PyNaCl.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

import nacl.signing

from ballotbox.core.audit import crypto, merkle
from ballotbox.core.audit.bundle import FORMAT, MANIFEST, TOKEN_STATES, BundleData
from ballotbox.core.audit.chain import BALLOT_KIND, EVENT_KINDS, document_hash, heads
from ballotbox.core.audit.commitment import commitment_problems
from ballotbox.core.audit.receipts import open_checkpoint
from ballotbox.core.audit.verify_recount import candidates, count_input
from ballotbox.core.counting import read_blt
from ballotbox.core.errors import BallotboxError
from ballotbox.core.tokens.format import LENGTH, Token, is_valid_checksum
from ballotbox.core.tokens.hashing import token_hash_hex
from ballotbox.core.vocabulary import CHANNELS


@dataclass(slots=True)
class Evidence:
    """The bundle's data plus what every check needs computed once."""

    data: BundleData
    files: dict[str, bytes]
    key: nacl.signing.VerifyKey
    slug: str
    commitment: dict[str, Any] | None = None
    heads: list[bytes] = field(default_factory=list)
    token_hashes: dict[int, str] = field(default_factory=dict)


def gather(data: BundleData, files: dict[str, bytes]) -> Evidence:
    """Decode the key, open the commitment, recompute the chain and the ballots' token hashes."""
    key = crypto.parse_public_key(data.public_key)
    evidence = Evidence(data=data, files=files, key=key, slug=str(data.definition.get("slug")))
    evidence.commitment = crypto.open_envelope(key, "commitment", data.commitment)
    evidence.heads = heads([entry.payload for entry in data.log])
    for row in data.ballots:
        if len(row.token) == LENGTH and row.token.isdigit():
            evidence.token_hashes[row.line] = _keyed(row.token, data.token_key)
    return evidence


def _keyed(token: str, key: bytes) -> str:
    """The keyed token hash (hex) of 20 digits, whatever their checksum."""
    return token_hash_hex(Token(token), key)


def check_manifest(ev: Evidence) -> list[str]:
    """The manifest is signed by the election key and names every file with its SHA-256."""
    body = crypto.open_envelope(ev.key, "manifest", ev.data.manifest)
    if body is None:
        return ["manifest.json: the signature does not verify with the election's public key"]
    problems: list[str] = []
    if body.get("format") != FORMAT or body.get("election") != ev.slug:
        problems.append(f"manifest.json: not a {FORMAT} manifest for election {ev.slug!r}")
    listed = body.get("files")
    if not isinstance(listed, dict):
        return [*problems, "manifest.json: files is not an object"]
    present = set(ev.files) - {MANIFEST}
    for name in sorted(present - set(listed)):
        problems.append(f"{name}: in the bundle but not in the manifest")
    for name in sorted(set(listed) - present):
        problems.append(f"{name}: in the manifest but missing from the bundle")
    for name in sorted(present & set(listed)):
        if hashlib.sha256(ev.files[name]).hexdigest() != listed[name]:
            problems.append(f"{name}: SHA-256 does not match the manifest (file altered)")
    return problems


def check_commitment(ev: Evidence) -> list[str]:
    """The commitment is signed, well formed, for this election and this definition."""
    body = ev.commitment
    if body is None:
        return ["commitment.json: the signature does not verify with the election's public key"]
    problems = [f"commitment.json: {p}" for p in commitment_problems(body)]
    if problems:
        return problems
    if body["election"] != ev.slug:
        problems.append(f"commitment.json: made for election {body['election']!r}")
    if body["definition_hash"] != document_hash(ev.data.definition):
        problems.append("election.json: does not match the definition_hash committed to")
    return problems


def check_token_list(ev: Evidence) -> list[str]:
    """tokens.csv lists exactly the committed tokens, once each, with the committed void list."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    raw: list[bytes] = []
    for line, (token_hash, state) in enumerate(ev.data.tokens, start=2):
        if token_hash in seen:
            problems.append(
                f"tokens.csv, line {line}: token hash {token_hash} listed twice "
                f"(also line {seen[token_hash]})"
            )
            continue
        seen[token_hash] = line
        if state not in TOKEN_STATES:
            problems.append(f"tokens.csv, line {line}: state {state!r} is not voted/unused/void")
        try:
            raw.append(bytes.fromhex(token_hash))
        except ValueError:
            problems.append(f"tokens.csv, line {line}: {token_hash!r} is not a hex hash")
    body = ev.commitment
    if body is None or commitment_problems(body):
        return [*problems, "tokens.csv: cannot be checked without a valid commitment"]
    if len(ev.data.tokens) != body["tokens_issued"]:
        problems.append(
            f"tokens.csv: lists {len(ev.data.tokens)} tokens; the commitment "
            f"says {body['tokens_issued']} were issued"
        )
    try:
        if merkle.root(raw).hex() != body["merkle_root"]:
            problems.append(
                "tokens.csv: the Merkle root of the listed hashes is not the one "
                "committed to (tokens added, removed or changed)"
            )
    except ValueError as exc:
        problems.append(f"tokens.csv: {exc}")
    listed_void = sorted(h for h, state in ev.data.tokens if state == "void")
    if listed_void != body["void"]:
        for h in sorted(set(listed_void) ^ set(body["void"])):
            problems.append(
                f"tokens.csv: token hash {h} is void in only one of tokens.csv and the commitment"
            )
    return problems


def check_voted_tokens(ev: Evidence) -> list[str]:
    """Every ballot's token is well formed, issued, not void and used once; states agree."""
    problems: list[str] = []
    states = dict(ev.data.tokens)
    committed_void = set(ev.commitment["void"]) if ev.commitment else set()
    used: dict[str, int] = {}
    for row in ev.data.ballots:
        where = f"ballots.csv, line {row.line}: token {row.token}"
        if row.line not in ev.token_hashes or not is_valid_checksum(row.token):
            problems.append(f"{where} is not a valid {LENGTH}-digit token (checksum)")
            continue
        token_hash = ev.token_hashes[row.line]
        if row.token in used:
            problems.append(f"{where} used twice (also line {used[row.token]})")
            continue
        used[row.token] = row.line
        if token_hash not in states:
            problems.append(f"{where} was never issued (its hash is not in the commitment)")
        elif token_hash in committed_void or states[token_hash] == "void":
            problems.append(f"{where} was voided before opening")
        elif states[token_hash] != "voted":
            problems.append(f"{where} is listed as {states[token_hash]} in tokens.csv")
    voted_hashes = {ev.token_hashes[line] for line in used.values()}
    for line, (token_hash, state) in enumerate(ev.data.tokens, start=2):
        if state == "voted" and token_hash not in voted_hashes:
            problems.append(
                f"tokens.csv, line {line}: token hash {token_hash} is marked "
                "voted but has no ballot in ballots.csv"
            )
    return problems


def check_choices(ev: Evidence) -> list[str]:
    """Every ballot names only real candidates, none twice, through a known channel."""
    problems: list[str] = []
    numbers = {number for number, _ in candidates(ev.data.definition)}
    for row in ev.data.ballots:
        where = f"ballots.csv, line {row.line}"
        if row.channel not in CHANNELS:
            problems.append(f"{where}: channel {row.channel!r} is not one of {sorted(CHANNELS)}")
        strangers = [c for c in row.choices if c not in numbers]
        if strangers:
            problems.append(f"{where}: {strangers[0]} is not a candidate number")
        if len(set(row.choices)) != len(row.choices):
            problems.append(f"{where}: a candidate is chosen twice")
    return problems


def check_order(ev: Evidence) -> list[str]:
    """ballots.csv is sorted by token and tokens.csv by hash, so neither shows casting order."""
    problems: list[str] = []
    tokens = [row.token for row in ev.data.ballots]
    if tokens != sorted(tokens):
        line = next(
            r.line for r, t in zip(ev.data.ballots, sorted(tokens), strict=True) if r.token != t
        )
        problems.append(
            f"ballots.csv, line {line}: rows are not sorted by token "
            "(the order could reveal when each ballot was cast)"
        )
    hashes = [h for h, _ in ev.data.tokens]
    if hashes != sorted(hashes):
        problems.append("tokens.csv: rows are not sorted by token_hash")
    return problems


def check_counts(ev: Evidence) -> list[str]:
    """Issued = voted + unused + void, and the log has one ballot entry per ballot listed."""
    problems: list[str] = []
    states = Counter(state for _, state in ev.data.tokens)
    issued = ev.commitment["tokens_issued"] if ev.commitment else len(ev.data.tokens)
    if issued != states["voted"] + states["unused"] + states["void"]:
        problems.append(
            f"tokens: {issued} issued but {states['voted']} voted + "
            f"{states['unused']} unused + {states['void']} void"
        )
    entries = sum(1 for e in ev.data.log if e.payload.get("kind") == BALLOT_KIND)
    if entries != len(ev.data.ballots):
        problems.append(
            f"log.jsonl has {entries} ballot entries but ballots.csv lists "
            f"{len(ev.data.ballots)} ballots"
        )
    if states["voted"] != len(ev.data.ballots):
        problems.append(
            f"tokens.csv marks {states['voted']} tokens voted but ballots.csv "
            f"lists {len(ev.data.ballots)} ballots"
        )
    return problems


def check_chain(ev: Evidence) -> list[str]:
    """Every log entry is at its position and its hash links it to the one before."""
    for index, entry in enumerate(ev.data.log):
        where = f"log.jsonl, line {index + 1}"
        if entry.position != index:
            return [
                f"{where}: position {entry.position} where {index} was expected "
                "(an entry was removed, added or moved)"
            ]
        if entry.hash != ev.heads[index].hex():
            return [f"{where}: hash does not match the chain (entry altered or reordered)"]
    return [] if ev.data.log else ["log.jsonl: the log is empty"]


def check_checkpoints(ev: Evidence) -> list[str]:
    """Every checkpoint is signed for this election and matches the chain where it points."""
    problems: list[str] = []
    closed = [i for i, e in enumerate(ev.data.log) if e.payload.get("kind") == "closed"]
    running = list(accumulate(int(e.payload.get("kind") == BALLOT_KIND) for e in ev.data.log))
    last = -1
    for number, statement in enumerate(ev.data.checkpoints, start=1):
        where = f"checkpoint {number}"
        body = open_checkpoint(ev.key, statement)
        if body is None:
            other = statement.get("body", {}) if isinstance(statement, dict) else {}
            election = other.get("election") if isinstance(other, dict) else None
            named = f" (it names election {election!r})" if election != ev.slug else ""
            problems.append(f"{where}: not signed by this election's key{named}")
            continue
        position = body["position"]
        if body["election"] != ev.slug:
            problems.append(f"{where}: made for election {body['election']!r}")
        if not isinstance(position, int) or not 0 <= position < len(ev.heads):
            problems.append(f"{where}: position {position} is not in the log")
            continue
        if position <= last:
            problems.append(f"{where}: position {position} does not follow the previous one")
        last = position
        if body["head"] != ev.heads[position].hex():
            problems.append(f"{where}: head at position {position} differs from the log's")
        ballots = running[position]
        if body["ballots"] != ballots:
            problems.append(
                f"{where}: says {body['ballots']} ballots by position {position}; "
                f"the log has {ballots}"
            )
    if closed and last < closed[0]:
        problems.append("checkpoints.json: no signed checkpoint at or after the close")
    return problems


def check_blt(ev: Evidence) -> list[str]:
    """ballots.blt holds the same candidates, seats and ballots as ballots.csv."""
    text = ev.files.get("ballots.blt", b"").decode("utf-8", "replace")
    try:
        published = read_blt(text, source="ballots.blt")
    except BallotboxError as exc:
        return [str(exc)]
    expected = count_input(ev.data.definition, [row.choices for row in ev.data.ballots])
    problems: list[str] = []
    if list(published.candidates) != list(expected.candidates):
        problems.append("ballots.blt: the candidates differ from election.json")
    if published.seats != expected.seats:
        problems.append(
            f"ballots.blt: {published.seats} seats; election.json says {expected.seats}"
        )
    if _tally(published.ballots) != _tally(expected.ballots):
        problems.append("ballots.blt: the ballots differ from ballots.csv")
    return problems


def _tally(ballots: Any) -> Counter[Any]:
    """A multiset of rankings with their total weights (order and grouping ignored)."""
    tally: Counter[Any] = Counter()
    for ranking, weight in ballots:
        tally[ranking] += weight
    return +tally


def check_lifecycle(ev: Evidence) -> list[str]:
    """Events come in order: created, tokens and voids, opened, ballots, closed, counted."""
    problems: list[str] = []
    kinds = [e.payload.get("kind") for e in ev.data.log]
    for line, kind in enumerate(kinds, start=1):
        if kind != BALLOT_KIND and kind not in EVENT_KINDS:
            problems.append(f"log.jsonl, line {line}: unknown entry kind {kind!r}")
    if not kinds or kinds[0] != "created":
        problems.append("log.jsonl, line 1: the log does not start with a created event")
    for name in ("opened", "closed"):
        if kinds.count(name) != 1:
            problems.append(f"log.jsonl: {kinds.count(name)} {name} events, expected exactly 1")
    if problems:
        return problems
    opened, closed = kinds.index("opened"), kinds.index("closed")
    if closed < opened:
        problems.append(f"log.jsonl, line {closed + 1}: closed before it was opened")
    late_allowed = _count({"count": ev.data.log[closed].payload.get("late", 0)})
    counted_at = kinds.index("counted") if "counted" in kinds else len(kinds)
    late = 0
    for index, kind in enumerate(kinds):
        if kind == BALLOT_KIND and closed < index < counted_at:
            # Letters received before the close, keyed after it: bounded by the close.
            late += 1
            if late > late_allowed:
                problems.append(
                    f"log.jsonl, line {index + 1}: ballot {late} after the close, but the "
                    f"closed event allowed {late_allowed} late ballot(s) (letters in hand)"
                )
        elif kind == BALLOT_KIND and not opened < index < closed:
            problems.append(f"log.jsonl, line {index + 1}: a ballot outside the voting period")
        if kind in ("tokens_issued", "voided") and index > opened:
            problems.append(f"log.jsonl, line {index + 1}: {kind} after the election opened")
        if kind in ("override", "counted", "published") and index < closed:
            problems.append(f"log.jsonl, line {index + 1}: {kind} before the close")
    problems.extend(_event_bindings(ev, opened))
    return problems


def _event_bindings(ev: Evidence, opened: int) -> list[str]:
    """Events agree with the files: commitment, token counts, ballots at close, the result."""
    problems: list[str] = []
    log = ev.data.log
    if log[opened].payload.get("commitment") != ev.data.commitment:
        problems.append(
            f"log.jsonl, line {opened + 1}: the opened event does not hold commitment.json"
        )
    committed = ev.commitment or {}
    issued = sum(_count(e.payload) for e in log if e.payload.get("kind") == "tokens_issued")
    voided = sum(_count(e.payload) for e in log if e.payload.get("kind") == "voided")
    expected = (committed.get("tokens_issued"), len(committed.get("void", [])))
    if (issued, voided) != expected:
        problems.append(
            f"log.jsonl: tokens_issued and voided events add up to {issued} and {voided}; "
            f"the commitment says {expected[0]} and {expected[1]}"
        )
    kinds = [e.payload.get("kind") for e in log]
    closed = kinds.index("closed")
    before = kinds[:closed].count(BALLOT_KIND)
    if log[closed].payload.get("ballots") != before:
        problems.append(
            f"log.jsonl, line {closed + 1}: the closed event says "
            f"{log[closed].payload.get('ballots')} ballots; the log holds {before}"
        )
    counted = [i for i, kind in enumerate(kinds) if kind == "counted"]
    if not counted:
        problems.append("log.jsonl: no counted event")
    elif log[counted[-1]].payload.get("result_hash") != document_hash(ev.data.result):
        problems.append(
            f"log.jsonl, line {counted[-1] + 1}: the counted event does "
            "not name result.json (result altered after the count)"
        )
    return problems


def _count(payload: dict[str, Any]) -> int:
    """The ``count`` field of a tokens_issued or voided event (0 when malformed)."""
    count = payload.get("count")
    return count if isinstance(count, int) else 0
