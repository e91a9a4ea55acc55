"""The verifier's receipt check: a voter's receipt against the published bundle.

A valid receipt proves the election's key accepted a ballot at a position;
this check says whether the bundle still holds that ballot, unchanged, where
the receipt says.  Pure: standard library and PyNaCl.
"""

from __future__ import annotations

from typing import Any

from ballotbox.core.audit.chain import BALLOT_KIND, ballot_commitment, ballot_hash
from ballotbox.core.audit.receipts import open_receipt
from ballotbox.core.audit.verify_checks import Evidence


def check_receipt(ev: Evidence, receipt: Any) -> list[str]:
    """The receipt is signed, its ballot is listed unchanged and its log entry opens to it."""
    body = open_receipt(ev.key, receipt)
    if body is None:
        return ["the receipt's signature or code does not verify with the election's key"]
    if body["election"] != ev.slug:
        return [f"the receipt is for election {body['election']!r}, not {ev.slug!r}"]
    problems: list[str] = []
    try:
        row = ev.ballots.receipt_rows.get(bytes.fromhex(body["token_hash"]))
    except (TypeError, ValueError):
        row = None
    if row is None:
        problems.append(
            f"the ballot accepted for token hash {body['token_hash']} is missing from ballots.csv"
        )
    elif ballot_hash(row[1], _recorded(ev, row[2])).hex() != body["ballot_hash"]:
        problems.append(
            f"ballots.csv, line {row[0]}: the published choices for token "
            f"{row[1]} differ from the ballot the receipt records"
        )
    problems.extend(_log_entry_problems(ev, body))
    return problems


def _log_entry_problems(ev: Evidence, body: dict[str, Any]) -> list[str]:
    """The receipt's log position holds its blinded ballot and the head it was given."""
    position = body["position"]
    if not isinstance(position, int) or not 0 <= position < ev.log.length:
        return [f"log position {position} from the receipt is not in log.jsonl"]
    try:
        expected = ballot_commitment(
            bytes.fromhex(body["nonce"]), bytes.fromhex(body["ballot_hash"])
        )
    except (TypeError, ValueError):
        return ["the receipt's nonce or ballot hash is not hex"]
    problems: list[str] = []
    if ev.log.payloads[position] != {"kind": BALLOT_KIND, "commitment": expected.hex()}:
        problems.append(
            f"log.jsonl, line {position + 1}: the entry at position {position} "
            "does not open to the receipt's ballot"
        )
    if ev.log.heads[position].hex() != body["head"]:
        problems.append(
            f"log.jsonl, line {position + 1}: the chain head at position {position} "
            "differs from the one on the receipt (log rewritten)"
        )
    return problems


def _recorded(ev: Evidence, cells: list[bytes]) -> list[int] | dict[str, list[int]]:
    """A row's ballot as it was hashed at casting: a list, or contest key → list."""
    if ev.ballots.columns is None:
        return list(ev.parsed["choices"][cells[0]])
    return {
        key: list(ev.parsed[key][cell]) for key, cell in zip(ev.ballots.columns, cells, strict=True)
    }
