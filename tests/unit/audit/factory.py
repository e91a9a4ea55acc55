"""A small, deterministic, valid election bundle built from plain data (no database).

It plays the election through the same public functions the core uses:
issue tokens, void some, commit and open, cast ballots (blinded log entries,
signed receipts, checkpoints), close, count, publish.  Tamper tests change
the resulting :class:`BundleData` and rebuild the files with the election's
own key, as a dishonest organiser could.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import nacl.signing

from ballotbox.core.audit import crypto
from ballotbox.core.audit.bundle import BallotRow, BundleData, LogEntry, build_files
from ballotbox.core.audit.chain import (
    GENESIS,
    ballot_commitment,
    ballot_hash,
    ballot_payload,
    document_hash,
    event_payload,
    link,
)
from ballotbox.core.audit.commitment import make_commitment
from ballotbox.core.audit.receipts import make_checkpoint, make_receipt
from ballotbox.core.contests import recount
from ballotbox.core.tokens.format import Token, generate
from ballotbox.core.tokens.hashing import token_hash

SLUG = "branch-committee-2027"
SIGNING_SEED = bytes(range(32))
TOKEN_KEY = bytes(range(100, 132))
TIE_SEED = "5eed0f1a2b3c4d5e"
CHECKPOINT_EVERY = 3

DEFINITION: dict[str, Any] = {
    "slug": SLUG,
    "title": "Branch committee 2027",
    "description": "Two seats on the branch committee.",
    "method": "scottish-stv",
    "seats": 2,
    "max_choices": None,
    "opens": "2027-01-10T09:00:00Z",
    "closes": "2027-01-24T17:00:00Z",
    "channels": ["web", "sms", "phone", "postal"],
    "candidates": [
        {"number": 1, "name": "Ada Lovelace", "statement": "", "url": "", "group": "women"},
        {"number": 2, "name": "Brian Kernighan", "statement": "", "url": "", "group": ""},
        {"number": 3, "name": "Grace Hopper", "statement": "", "url": "", "group": "women"},
        {"number": 4, "name": "Dennis Ritchie", "statement": "", "url": "", "group": ""},
    ],
    "tie_seed": TIE_SEED,
    "threshold": "1/2",
    "abstentions_count": False,
    "group_minimums": [],
}

# (channel, choices) in the order the ballots arrive.
VOTES: list[tuple[str, list[int]]] = [
    ("web", [1, 3, 2]),
    ("sms", [2, 4]),
    ("web", [3, 1]),
    ("phone", [1, 2, 3, 4]),
    ("postal", [4, 2, 1]),
    ("web", [1, 3]),
    ("sms", [3, 1, 4]),
    ("web", [2, 1]),
    ("postal", [1]),
    ("web", [4, 3, 2, 1]),
]
ISSUED = 14
VOIDED = 2


def _candidates(*names: str, group: dict[str, str] | None = None) -> list[dict[str, Any]]:
    return [
        {"number": i, "name": n, "statement": "", "url": "", "group": (group or {}).get(n, "")}
        for i, n in enumerate(names, start=1)
    ]


# A ballot of three contests: a slate by STV, a chair by IRV and a motion needing two thirds.
CONTESTS_DEFINITION: dict[str, Any] = {
    "slug": "agm-2027",
    "title": "Annual ballot 2027",
    "description": "",
    "opens": "2027-01-10T09:00:00Z",
    "closes": "2027-01-24T17:00:00Z",
    "channels": ["web", "sms", "phone", "postal"],
    "tie_seed": TIE_SEED,
    "contests": [
        {
            "key": "A",
            "title": "Committee (2 seats)",
            "description": "",
            "method": "scottish-stv",
            "seats": 2,
            "max_choices": None,
            "candidates": _candidates(
                "Ada Lovelace",
                "Brian Kernighan",
                "Grace Hopper",
                "Dennis Ritchie",
                group={"Ada Lovelace": "women", "Grace Hopper": "women"},
            ),  # fmt: skip
            "threshold": "1/2",
            "abstentions_count": False,
            "group_minimums": [{"group": "women", "minimum": 1}],
        },
        {
            "key": "B",
            "title": "Chair",
            "description": "",
            "method": "irv",
            "seats": 1,
            "max_choices": None,
            "candidates": _candidates("Ken Thompson", "Barbara Liskov", "Niklaus Wirth"),
            "threshold": "1/2",
            "abstentions_count": False,
            "group_minimums": [],
        },
        {
            "key": "C",
            "title": "Motion 1: affiliate to the campaign",
            "description": "",
            "method": "referendum",
            "seats": 1,
            "max_choices": None,
            "candidates": _candidates("Yes", "No", "Abstain"),
            "threshold": "2/3",
            "abstentions_count": False,
            "group_minimums": [],
        },
    ],
}

CONTEST_VOTES: list[tuple[str, dict[str, list[int]]]] = [
    ("web", {"A": [1, 3, 2], "B": [2, 1], "C": [1]}),
    ("sms", {"A": [2, 4], "B": [1], "C": [2]}),
    ("web", {"A": [3, 1], "B": [], "C": [1]}),
    ("phone", {"A": [1, 2, 3, 4], "B": [3, 2], "C": [1]}),
    ("postal", {"A": [4, 2, 1], "B": [2], "C": [3]}),
    ("web", {"A": [], "B": [1, 2], "C": [1]}),
    ("sms", {"A": [3, 1, 4], "B": [2, 3], "C": []}),
    ("web", {"A": [2, 1], "B": [3], "C": [2]}),
    ("postal", {"A": [1], "B": [2], "C": [1]}),
    ("web", {"A": [4, 3, 2, 1], "B": [1, 3], "C": [1]}),
]


@dataclass
class Election:
    """A played-out election: its key, tokens, bundle data, files and the voters' receipts."""

    key: nacl.signing.SigningKey
    tokens: list[Token]
    voted: list[Token]
    void: list[Token]
    data: BundleData
    receipts: list[dict[str, Any]] = field(default_factory=list)

    def files(self) -> dict[str, bytes]:
        """The bundle's files, manifest signed with the election key."""
        return build_files(self.data, self.key)


def _time(step: int) -> str:
    """A fixed, increasing timestamp for the ``step``-th event (no clock in tests)."""
    return f"2027-01-{10 + step // 24:02d}T{step % 24:02d}:00:00Z"


class _Log:
    """The chain as the core keeps it: payloads, hashes and the running head."""

    def __init__(self) -> None:
        self.entries: list[LogEntry] = []
        self.head = GENESIS
        self.ballot_count = 0

    def append(self, payload: dict[str, Any]) -> tuple[int, bytes]:
        position = len(self.entries)
        self.head = link(self.head, position, payload)
        self.entries.append(LogEntry(position, payload, self.head.hex()))
        self.ballot_count += payload["kind"] == "ballot"
        return position, self.head

    def ballots(self) -> int:
        return self.ballot_count


def build_election(
    votes: list[tuple[str, Any]] = VOTES,
    definition: dict[str, Any] = DEFINITION,
    seed: int = 2027,
    signing_seed: bytes = SIGNING_SEED,
) -> Election:
    """Play an election from plain data and return everything its bundle holds."""
    rng = random.Random(seed)
    key = crypto.signing_key_from_seed(signing_seed)
    slug = definition["slug"]
    tokens = [generate(rng.randrange) for _ in range(ISSUED)]
    hashes = {t.digits: token_hash(t, TOKEN_KEY) for t in tokens}
    void = tokens[:VOIDED]
    log = _Log()
    log.append(event_payload("created", definition_hash=document_hash(definition), time=_time(0)))
    log.append(event_payload("tokens_issued", count=ISSUED))
    log.append(event_payload("voided", count=VOIDED))
    commitment = make_commitment(
        key,
        election=slug,
        definition=definition,
        token_hashes=hashes.values(),
        void=[hashes[t.digits] for t in void],
        tie_break_seed=definition["tie_seed"],
        time=_time(1),
    )
    log.append(event_payload("opened", commitment=commitment, time=_time(1)))
    checkpoints: list[dict[str, Any]] = []
    receipts: list[dict[str, Any]] = []
    ballots: list[BallotRow] = []
    voters = tokens[VOIDED : VOIDED + len(votes)]
    for step, (token, (channel, choices)) in enumerate(zip(voters, votes, strict=True)):
        digest = ballot_hash(token.digits, choices)
        nonce = rng.randbytes(16)
        position, head = log.append(ballot_payload(ballot_commitment(nonce, digest)))
        receipts.append(
            make_receipt(
                key,
                election=slug,
                token_hash=hashes[token.digits],
                ballot_hash=digest,
                position=position,
                nonce=nonce,
                head=head,
            )
        )
        ballots.append(BallotRow(token.digits, channel, _row_choices(choices)))
        if (step + 1) % CHECKPOINT_EVERY == 0:
            checkpoints.append(_checkpoint(key, slug, log, _time(2 + step)))
    position, _ = log.append(event_payload("closed", ballots=log.ballots(), time=_time(40)))
    checkpoints.append(_checkpoint(key, slug, log, _time(40)))
    by_contest = [b.by_contest(definition) for b in ballots]
    result = recount(definition, by_contest, definition["tie_seed"])
    log.append(event_payload("counted", result_hash=document_hash(result), time=_time(41)))
    log.append(event_payload("published", time=_time(42)))
    voted = {t.digits for t in voters}
    states = [
        (
            hashes[t.digits].hex(),
            "void" if t in void else "voted" if t.digits in voted else "unused",
        )
        for t in tokens
    ]
    data = BundleData(
        definition=definition,
        public_key=crypto.public_key_hex(key),
        commitment=commitment,
        token_key=TOKEN_KEY,
        tokens=states,
        ballots=ballots,
        log=log.entries,
        checkpoints=checkpoints,
        result=result,
    )
    return Election(key, tokens, voters, void, data, receipts)


def build_contests_election() -> Election:
    """The three-contest ballot played out (a slate, a chair, a motion)."""
    return build_election(votes=CONTEST_VOTES, definition=CONTESTS_DEFINITION)


def _row_choices(choices: Any) -> Any:
    """A ballot as ballots.csv holds it: a tuple, or contest key → tuple."""
    if isinstance(choices, dict):
        return {key: tuple(numbers) for key, numbers in choices.items()}
    return tuple(choices)


def _checkpoint(key: nacl.signing.SigningKey, slug: str, log: _Log, time: str) -> dict[str, Any]:
    """A signed checkpoint at the log's current head."""
    return make_checkpoint(
        key,
        election=slug,
        position=len(log.entries) - 1,
        head=log.head,
        ballots=log.ballots(),
        time=time,
    )
