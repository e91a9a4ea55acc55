"""The checks of the offline verifier, one function per claim the bundle makes.

Each check takes the :class:`Evidence` gathered in one pass over each file
(``verify_scan``, ``verify_ballots``) and returns the problems it found, each
naming the file, line, token or position concerned; an empty list means the
claim holds.  Where the single pass shows that something is wrong but not
where (the token lists do not match; a file is not in canonical form), the
check reads that file again in full to name every offending line: memory
stays flat for a bundle that verifies, and a failing bundle is still
explained line by line.  Pure: standard library and PyNaCl.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import nacl.signing

from ballotbox.core import contests
from ballotbox.core.audit import crypto, merkle
from ballotbox.core.audit.bundle import (
    FORMAT,
    MANIFEST,
    TOKEN_STATES,
    TOKENS_HEADER,
    BundleReadError,
    _ballot_rows,
    _csv_rows,
    ballots_header,
)
from ballotbox.core.audit.chain import document_hash
from ballotbox.core.audit.commitment import commitment_problems
from ballotbox.core.audit.source import BundleSource
from ballotbox.core.audit.verify_ballots import BallotScan
from ballotbox.core.audit.verify_rankings import tally_inputs
from ballotbox.core.audit.verify_scan import LogScan, TokenScan
from ballotbox.core.counting import CountInput, blt_pieces, read_blt
from ballotbox.core.errors import BallotboxError
from ballotbox.core.tokens.format import LENGTH, Token, is_valid_checksum
from ballotbox.core.tokens.hashing import token_hash_hex
from ballotbox.core.vocabulary import CHANNELS

#: The exact second reading of a list, for a bundle that fails, may be this large.
MAX_EXACT_BYTES = 16 << 30


@dataclass(slots=True)
class Evidence:
    """The bundle's small files and what one pass over each large file found."""

    source: BundleSource
    definition: dict[str, Any]
    public_key: str
    statement: dict[str, Any]
    token_key: bytes
    checkpoints: list[Any]
    result: dict[str, Any]
    manifest: dict[str, Any]
    key: nacl.signing.VerifyKey
    slug: str
    tokens: TokenScan
    ballots: BallotScan
    log: LogScan
    commitment: dict[str, Any] | None = None
    #: tokens.csv read in full, when it is not in the canonical form the single pass expects.
    token_rows: list[tuple[str, str]] | None = None
    #: Each file column's distinct cells parsed: column → cell → choices (only the cells of
    #: rows receipts name when every cell was plain: the tally holds the rest).
    parsed: dict[str, dict[bytes, tuple[int, ...]]] = field(default_factory=dict)
    #: Whether every distinct cell names only candidates of its contest, none twice (judged
    #: before the recount, which frees the cells; None: not judged yet).
    choices_ok: bool | None = None
    #: Each contest's count input and blank count, built once for the .blt check and recount.
    prepared: tuple[dict[str, CountInput], dict[str, int]] | None = None
    #: The result document counted afresh, or the exception that stopped the count.
    fresh: dict[str, Any] | Exception | None = None

    def states(self) -> Counter[str]:
        """How many tokens.csv rows are in each state."""
        if self.token_rows is not None:
            return Counter(state for _, state in self.token_rows)
        return self.tokens.states

    def token_count(self) -> int:
        """How many rows tokens.csv lists."""
        return len(self.token_rows) if self.token_rows is not None else self.tokens.count


def exact_tokens(source: BundleSource) -> list[tuple[str, str]]:
    """tokens.csv read whole, as the bundle reader does (BundleReadError naming a line)."""
    data = {"tokens.csv": source.whole("tokens.csv", MAX_EXACT_BYTES)}
    return [(r[0], r[1]) for r in _csv_rows(data, "tokens.csv", TOKENS_HEADER)]


def exact_ballots(ev: Evidence) -> list[Any]:
    """ballots.csv read whole into rows (only to name the lines of a bundle that fails)."""
    return _ballot_rows({"ballots.csv": ev.source.whole("ballots.csv", MAX_EXACT_BYTES)})


def parse_cells(ev: Evidence) -> None:
    """Parse each distinct cell once; a cell that is not numbers is named by its first line.

    When every cell was plain, the tally holds the rankings: only the cells of
    the rows receipts name are parsed (their check needs the choices as cast).
    """
    keys = ev.ballots.columns or ["choices"]
    cells = ev.ballots.cells
    if ev.ballots.plain:
        rows = [row for _line, _token, row in ev.ballots.receipt_rows.values()]
        cells = [Counter(row[i] for row in rows) for i in range(len(keys))]
    for key, counter in zip(keys, cells, strict=True):
        parsed: dict[bytes, tuple[int, ...]] = {}
        for cell in counter:
            try:
                parsed[cell] = tuple(int(part) for part in cell.split())
            except ValueError:
                exact_ballots(ev)  # raises BundleReadError naming the line
                raise BundleReadError(f"ballots.csv: {key} must be numbers") from None
        ev.parsed[key] = parsed


def grouped(ev: Evidence) -> tuple[dict[str, Counter[tuple[int, ...]]], dict[str, int]]:
    """Contest key → distinct non-blank choices with their counts, and key → blank ballots."""
    definition = ev.definition
    if ev.ballots.columns is None:
        contests.by_contest(definition, [])  # ValueError on a ballot of several contests
    else:
        contests.by_contest(definition, dict.fromkeys(ev.ballots.columns, []))
    keys = contests.keys(definition)
    chosen: dict[str, Counter[tuple[int, ...]]] = {key: Counter() for key in keys}
    blank = dict.fromkeys(keys, ev.ballots.rows)
    columns = ev.ballots.columns or keys[:1]
    for column, counter in zip(columns, ev.ballots.cells, strict=True):
        parsed = ev.parsed[column if ev.ballots.columns else "choices"]
        for cell, weight in counter.items():
            if parsed[cell]:
                chosen[column][parsed[cell]] += weight
                blank[column] -= weight
    return chosen, blank


def count_inputs(ev: Evidence) -> tuple[dict[str, CountInput], dict[str, int]]:
    """Contest key → the count input from ballots.csv, and key → blank ballots (built once:
    from the tally, which is then closed, when every cell was plain)."""
    if ev.prepared is None:
        tally = ev.ballots.tally
        if tally is not None:
            try:
                ev.prepared = tally_inputs(ev.definition, tally)
            finally:
                tally.close()
                ev.ballots.tally = None
        else:
            chosen, blank = grouped(ev)
            ev.prepared = (contests.count_inputs(ev.definition, chosen), blank)
    return ev.prepared


def check_manifest(ev: Evidence) -> list[str]:
    """The manifest is signed by the election key and names every file with its SHA-256."""
    body = crypto.open_envelope(ev.key, "manifest", ev.manifest)
    if body is None:
        return ["manifest.json: the signature does not verify with the election's public key"]
    problems: list[str] = []
    if body.get("format") != FORMAT or body.get("election") != ev.slug:
        problems.append(f"manifest.json: not a {FORMAT} manifest for election {ev.slug!r}")
    listed = body.get("files")
    if not isinstance(listed, dict):
        return [*problems, "manifest.json: files is not an object"]
    present = set(ev.source.names) - {MANIFEST}
    for name in sorted(present - set(listed)):
        problems.append(f"{name}: in the bundle but not in the manifest")
    for name in sorted(set(listed) - present):
        problems.append(f"{name}: in the manifest but missing from the bundle")
    for name in sorted(present & set(listed)):
        if ev.source.digests.get(name) != listed[name]:
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
    if body["definition_hash"] != document_hash(ev.definition):
        problems.append("election.json: does not match the definition_hash committed to")
    return problems


def check_token_list(ev: Evidence) -> list[str]:
    """tokens.csv lists exactly the committed tokens, once each, with the committed void list."""
    body = ev.commitment
    if ev.token_rows is not None:
        return _token_list_exact(ev.token_rows, body)
    if body is None or commitment_problems(body):
        return ["tokens.csv: cannot be checked without a valid commitment"]
    problems: list[str] = []
    if ev.tokens.count != body["tokens_issued"]:
        problems.append(
            f"tokens.csv: lists {ev.tokens.count} tokens; the commitment "
            f"says {body['tokens_issued']} were issued"
        )
    if ev.tokens.merkle_root.hex() != body["merkle_root"]:
        problems.append(
            "tokens.csv: the Merkle root of the listed hashes is not the one "
            "committed to (tokens added, removed or changed)"
        )
    if ev.tokens.void != body["void"]:
        for h in sorted(set(ev.tokens.void) ^ set(body["void"])):
            problems.append(
                f"tokens.csv: token hash {h} is void in only one of tokens.csv and the commitment"
            )
    return problems


def _token_list_exact(tokens: list[tuple[str, str]], body: dict[str, Any] | None) -> list[str]:
    """The token-list check over tokens.csv held whole, naming every line at fault."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    raw: list[bytes] = []
    for line, (token_hash, state) in enumerate(tokens, start=2):
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
    if body is None or commitment_problems(body):
        return [*problems, "tokens.csv: cannot be checked without a valid commitment"]
    if len(tokens) != body["tokens_issued"]:
        problems.append(
            f"tokens.csv: lists {len(tokens)} tokens; the commitment "
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
    listed_void = sorted(h for h, state in tokens if state == "void")
    if listed_void != body["void"]:
        for h in sorted(set(listed_void) ^ set(body["void"])):
            problems.append(
                f"tokens.csv: token hash {h} is void in only one of tokens.csv and the commitment"
            )
    return problems


def check_voted_tokens(ev: Evidence) -> list[str]:
    """Every ballot's token is well formed, issued, not void and used once; states agree."""
    scan = ev.ballots
    committed_void = ev.commitment["void"] if ev.commitment else []
    agree = (
        ev.token_rows is None
        and scan.well_formed == scan.rows
        and scan.voted == ev.tokens.voted
        and ev.tokens.void == committed_void
    )
    if agree:
        return list(scan.token_problems)
    return _voted_exact(ev, set(committed_void))


def _voted_exact(ev: Evidence, committed_void: set[str]) -> list[str]:
    """The voted-tokens check over both lists held whole, naming every line at fault."""
    tokens = ev.token_rows if ev.token_rows is not None else exact_tokens(ev.source)
    states = dict(tokens)
    problems: list[str] = []
    used: dict[str, int] = {}
    hashes: dict[int, str] = {}
    for row in exact_ballots(ev):
        where = f"ballots.csv, line {row.line}: token {row.token}"
        well_formed = len(row.token) == LENGTH and row.token.isascii() and row.token.isdigit()
        if not well_formed or not is_valid_checksum(row.token):
            problems.append(f"{where} is not a valid {LENGTH}-digit token (checksum)")
            continue
        token_hash = hashes[row.line] = token_hash_hex(Token(row.token), ev.token_key)
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
    voted_hashes = {hashes[line] for line in used.values()}
    for line, (token_hash, state) in enumerate(tokens, start=2):
        if state == "voted" and token_hash not in voted_hashes:
            problems.append(
                f"tokens.csv, line {line}: token hash {token_hash} is marked "
                "voted but has no ballot in ballots.csv"
            )
    return problems


def check_choices(ev: Evidence) -> list[str]:
    """Every ballot names only real candidates of each contest, none twice, via a known channel."""
    definition = ev.definition
    header = ",".join(ev.ballots.header)
    expected = ",".join(ballots_header(definition))
    if header != expected:
        return [f"ballots.csv, line 1: the columns are {header}; election.json asks for "
                f"{expected}"]  # fmt: skip
    ok = ev.choices_ok if ev.choices_ok is not None else choices_valid(ev)
    if not ok:
        return _choices_exact(ev, _candidate_numbers(definition))
    problems = list(ev.ballots.channel_problems)
    problems.extend(
        f"ballots.csv, line {line}: the ballot is blank in every contest"
        for line in ev.ballots.blank_lines
    )
    return problems


def _candidate_numbers(definition: dict[str, Any]) -> dict[str, set[int]]:
    """Contest key → its candidates' numbers."""
    return {
        str(contest["key"]): {number for number, _ in contests.candidates(contest)}
        for contest in contests.contests(definition)
    }


def choices_valid(ev: Evidence) -> bool:
    """True when every distinct cell of ballots.csv names only candidates of its contest, and
    none twice (False too for a column that is not a contest: the header check names it)."""
    if ev.ballots.plain:
        return True  # every cell was turned into candidate ids, none twice, under this header
    numbers = _candidate_numbers(ev.definition)
    first = contests.keys(ev.definition)[0]
    for key, parsed in ev.parsed.items():
        allowed = numbers.get(first if key == "choices" else key)
        if allowed is None:
            return False
        for cell, choices in parsed.items():
            odd = bool(cell.strip()) and not choices
            if odd or len(set(choices)) != len(choices) or not allowed.issuperset(choices):
                return False
    return True


def keep_receipt_cells(ev: Evidence) -> None:
    """Judge the choices, then keep only the parsed cells of the rows receipts name.

    The recount holds every distinct ranking in its own form; the parsed cells
    are not needed again except for those rows, and freeing them first keeps
    them out of the verifier's peak memory.
    """
    ev.choices_ok = choices_valid(ev)
    keys = ev.ballots.columns or ["choices"]
    rows = [cells for _line, _token, cells in ev.ballots.receipt_rows.values()]
    ev.parsed = {
        key: {row[i]: ev.parsed[key][row[i]] for row in rows if row[i] in ev.parsed[key]}
        for i, key in enumerate(keys)
        if key in ev.parsed
    }


def _choices_exact(ev: Evidence, numbers: dict[str, set[int]]) -> list[str]:
    """The choices check row by row over ballots.csv held whole."""
    single = contests.is_single(ev.definition)
    problems: list[str] = []
    for row in exact_ballots(ev):
        where = f"ballots.csv, line {row.line}"
        if row.channel not in CHANNELS:
            problems.append(f"{where}: channel {row.channel!r} is not one of {sorted(CHANNELS)}")
        by_key = row.by_contest(ev.definition)
        for key, choices in by_key.items():
            at = where if single else f"{where}, contest {key}"
            strangers = [c for c in choices if c not in numbers[key]]
            if strangers:
                problems.append(f"{at}: {strangers[0]} is not a candidate number")
            if len(set(choices)) != len(choices):
                problems.append(f"{at}: a candidate is chosen twice")
        if not any(by_key.values()):
            problems.append(f"{where}: the ballot is blank in every contest")
    return problems


def check_order(ev: Evidence) -> list[str]:
    """ballots.csv is sorted by token and tokens.csv by hash, so neither shows casting order."""
    problems: list[str] = []
    if ev.ballots.unsorted_line is not None:
        problems.append(
            f"ballots.csv, line {ev.ballots.unsorted_line}: rows are not sorted by token "
            "(the order could reveal when each ballot was cast)"
        )
    if ev.token_rows is not None:
        hashes = [h for h, _ in ev.token_rows]
        if hashes != sorted(hashes):
            problems.append("tokens.csv: rows are not sorted by token_hash")
    return problems


def check_counts(ev: Evidence) -> list[str]:
    """Issued = voted + unused + void, and the log has one ballot entry per ballot listed."""
    problems: list[str] = []
    states = ev.states()
    issued = ev.commitment["tokens_issued"] if ev.commitment else ev.token_count()
    if issued != states["voted"] + states["unused"] + states["void"]:
        problems.append(
            f"tokens: {issued} issued but {states['voted']} voted + "
            f"{states['unused']} unused + {states['void']} void"
        )
    listed = ev.ballots.rows
    if ev.log.ballots != listed:
        problems.append(
            f"log.jsonl has {ev.log.ballots} ballot entries but ballots.csv lists {listed} ballots"
        )
    if states["voted"] != listed:
        problems.append(
            f"tokens.csv marks {states['voted']} tokens voted but ballots.csv "
            f"lists {listed} ballots"
        )
    return problems


def check_chain(ev: Evidence) -> list[str]:
    """Every log entry is at its position and its hash links it to the one before."""
    if ev.log.chain_problem is not None:
        return [ev.log.chain_problem]
    return [] if ev.log.length else ["log.jsonl: the log is empty"]


def check_blt(ev: Evidence) -> list[str]:
    """Each .blt file holds the same candidates, seats and ballots as ballots.csv."""
    definition = ev.definition
    single = contests.is_single(definition)
    inputs, _blank = count_inputs(ev)
    problems: list[str] = []
    for contest in contests.contests(definition):
        key = str(contest["key"])
        name = "ballots.blt" if single else f"ballots-{key}.blt"
        if name not in ev.source.names:
            problems.append(f"{name}: missing from the bundle")
            continue
        problems.extend(_blt_problems(ev, name, contest, inputs[key], single))
    return problems


def _blt_problems(
    ev: Evidence,
    name: str,
    contest: contests.Contest,
    expected: CountInput,
    single: bool,
) -> list[str]:
    """One .blt file against its contest in election.json and its column of ballots.csv."""
    if _blt_digest(expected) == ev.source.digests.get(name):
        return []  # byte for byte what the writer renders: nothing to read back
    text = ev.source.whole(name).decode("utf-8", "replace")
    try:
        published = read_blt(text, source=name)
    except BallotboxError as exc:
        return [str(exc)]
    source = "election.json" if single else f"election.json (contest {contest['key']})"
    column = "ballots.csv" if single else f"ballots.csv, contest {contest['key']}"
    problems: list[str] = []
    if list(published.candidates) != list(expected.candidates):
        problems.append(f"{name}: the candidates differ from {source}")
    if published.seats != expected.seats:
        problems.append(f"{name}: {published.seats} seats; {source} says {expected.seats}")
    if _tally(published.ballots) != dict(expected.ballots):
        problems.append(f"{name}: the ballots differ from {column}")
    return problems


def _blt_digest(expected: CountInput) -> str:
    """The SHA-256 of the .blt text the tally writes for ``expected`` (of nothing if it cannot
    write one), hashed a piece at a time."""
    sha = hashlib.sha256()
    try:
        for piece in blt_pieces(expected):
            sha.update(piece.encode())
    except BallotboxError:
        return hashlib.sha256(b"").hexdigest()
    return sha.hexdigest()


def _tally(ballots: Any) -> Counter[Any]:
    """A multiset of rankings with their total weights (order and grouping ignored)."""
    tally: Counter[Any] = Counter()
    for ranking, weight in ballots:
        tally[ranking] += weight
    return +tally
