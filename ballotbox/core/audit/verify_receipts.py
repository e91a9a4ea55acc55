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
    rows = [row for row in ev.data.ballots if ev.token_hashes.get(row.line) == body["token_hash"]]
    if not rows:
        problems.append(
            f"the ballot accepted for token hash {body['token_hash']} is missing from ballots.csv"
        )
    elif ballot_hash(rows[0].token, rows[0].recorded()).hex() != body["ballot_hash"]:
        problems.append(
            f"ballots.csv, line {rows[0].line}: the published choices for token "
            f"{rows[0].token} differ from the ballot the receipt records"
        )
    problems.extend(_log_entry_problems(ev, body))
    return problems


def _log_entry_problems(ev: Evidence, body: dict[str, Any]) -> list[str]:
    """The receipt's log position holds its blinded ballot and the head it was given."""
    position = body["position"]
    if not isinstance(position, int) or not 0 <= position < len(ev.data.log):
        return [f"log position {position} from the receipt is not in log.jsonl"]
    entry = ev.data.log[position]
    try:
        expected = ballot_commitment(
            bytes.fromhex(body["nonce"]), bytes.fromhex(body["ballot_hash"])
        )
    except (TypeError, ValueError):
        return ["the receipt's nonce or ballot hash is not hex"]
    problems: list[str] = []
    if entry.payload != {"kind": BALLOT_KIND, "commitment": expected.hex()}:
        problems.append(
            f"log.jsonl, line {position + 1}: the entry at position {position} "
            "does not open to the receipt's ballot"
        )
    if ev.heads[position].hex() != body["head"]:
        problems.append(
            f"log.jsonl, line {position + 1}: the chain head at position {position} "
            "differs from the one on the receipt (log rewritten)"
        )
    return problems
