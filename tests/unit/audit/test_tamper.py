"""The tamper corpus: each way a dishonest organiser could alter a bundle, and the check naming it.

Every tampered bundle is re-signed with the election's own key (the organiser
holds it), so the manifest signature cannot be what catches it; only the
manifest case itself tampers after signing.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from ballotbox.core.audit import crypto
from ballotbox.core.audit.bundle import (
    MANIFEST,
    BallotRow,
    BundleReadError,
    LogEntry,
    manifest_body,
    parse_bundle,
    pretty_json,
)
from ballotbox.core.audit.chain import GENESIS, link
from ballotbox.core.audit.crypto import signing_key_from_seed
from ballotbox.core.audit.receipts import make_checkpoint
from ballotbox.core.audit.verify import CheckResult, verify_bundle
from ballotbox.core.tokens.format import generate
from tests.unit.audit.factory import Election, build_contests_election


def verify(
    election: Election,
    files: dict[str, bytes] | None = None,
    receipts: list[dict[str, Any]] | None = None,
) -> list[CheckResult]:
    files = files if files is not None else election.files()
    labelled = [(f"r{i}", r) for i, r in enumerate(receipts or [])]
    return verify_bundle(files, labelled)


def problems(results: list[CheckResult]) -> str:
    return "\n".join(p for r in results for p in r.problems)


def relinked(entries: list[LogEntry]) -> list[LogEntry]:
    """The log renumbered and rehashed, as an organiser rewriting history would."""
    out, head = [], GENESIS
    for position, entry in enumerate(entries):
        head = link(head, position, entry.payload)
        out.append(LogEntry(position, entry.payload, head.hex()))
    return out


def ballot_positions(election: Election) -> list[int]:
    return [e.position for e in election.data.log if e.payload["kind"] == "ballot"]


def test_the_untampered_bundle_passes_every_check_with_every_receipt(election):
    results = verify(election, receipts=election.receipts)
    assert [r.problems for r in results if not r.ok] == []
    assert len(results) == 12 + len(election.receipts)


def test_one_vote_changed_is_named_by_the_voters_receipt(election):
    row = election.data.ballots[0]
    election.data.ballots[0] = dataclasses.replace(row, choices=(2, 1, 3))
    report = problems(verify(election, receipts=[election.receipts[0]]))
    assert (
        f"the published choices for token {row.token} differ from the ballot the receipt" in report
    )


def test_a_ballot_added_with_an_unissued_token_is_named(election):
    stranger = generate(lambda n: 123456789012345678 % n)
    election.data.ballots.append(BallotRow(stranger.digits, "web", (1, 2)))
    report = problems(verify(election))
    assert f"token {stranger.digits} was never issued" in report
    assert "log.jsonl has 10 ballot entries but ballots.csv lists 11 ballots" in report


def test_a_ballot_cast_with_a_void_token_is_named(election):
    void = election.void[0]
    election.data.ballots.append(BallotRow(void.digits, "postal", (3,)))
    report = problems(verify(election))
    assert f"token {void.digits} was voided before opening" in report


def test_a_dropped_ballot_that_a_receipt_proves_was_accepted(election):
    dropped = election.data.ballots.pop(4)
    receipt = election.receipts[4]
    election.data.tokens = [
        (h, "unused" if h == receipt["body"]["token_hash"] else s) for h, s in election.data.tokens
    ]
    report = problems(verify(election, receipts=[receipt]))
    assert (
        f"the ballot accepted for token hash {receipt['body']['token_hash']} is missing" in report
    )
    assert "log.jsonl has 10 ballot entries but ballots.csv lists 9 ballots" in report
    assert dropped.token not in report  # the list never held it, so only the hash can be named


def test_a_log_entry_moved_is_named_by_line(election):
    log = election.data.log
    first, second = ballot_positions(election)[1:3]
    log[first], log[second] = log[second], log[first]
    report = problems(verify(election))
    assert f"log.jsonl, line {first + 1}: position {second} where {first} was expected" in report


def test_a_log_rewritten_in_another_order_contradicts_the_checkpoints_and_receipts(election):
    log = election.data.log
    first, second = ballot_positions(election)[1:3]
    log[first], log[second] = log[second], log[first]
    election.data.log = relinked(log)
    report = problems(verify(election, receipts=[election.receipts[1]]))
    assert f"checkpoint 1: head at position {ballot_positions(election)[2]} differs" in report
    assert f"log.jsonl, line {first + 1}: the entry at position {first} does not open" in report


def test_a_log_entry_removed_and_the_chain_rebuilt_is_caught(election):
    removed = ballot_positions(election)[0]
    del election.data.log[removed]
    election.data.log = relinked(election.data.log)
    report = problems(verify(election))
    assert "checkpoint 1: head at position" in report
    assert "log.jsonl has 9 ballot entries but ballots.csv lists 10 ballots" in report


def test_a_log_entry_simply_deleted_breaks_the_chain_at_that_line(election):
    removed = ballot_positions(election)[0]
    del election.data.log[removed]
    report = problems(verify(election))
    assert (
        f"log.jsonl, line {removed + 1}: position {removed + 1} where {removed} was expected"
        in report
    )


def test_a_checkpoint_from_another_election_is_named(election):
    other = signing_key_from_seed(b"\x09" * 32)
    stray = make_checkpoint(
        other,
        election="other-election",
        position=3,
        head=bytes.fromhex(election.data.log[3].hash),
        ballots=0,
        time="t",
    )
    election.data.checkpoints.insert(1, stray)
    report = problems(verify(election))
    assert (
        "checkpoint 2: not signed by this election's key (it names election 'other-election')"
        in report
    )


def test_a_checkpoint_re_signed_for_another_slug_is_named(election):
    key = election.key
    body = election.data.checkpoints[0]["body"]
    election.data.checkpoints[0] = make_checkpoint(
        key,
        election="other-election",
        position=body["position"],
        head=bytes.fromhex(body["head"]),
        ballots=body["ballots"],
        time=body["time"],
    )
    assert "checkpoint 1: made for election 'other-election'" in problems(verify(election))


def test_an_altered_result_is_named_by_round_and_candidate(election):
    result = json.loads(json.dumps(election.data.result))
    first = result["rounds"][0]
    name = result["candidates"][0]
    first["votes"][name] = str(int(first["votes"][name]) + 1)
    election.data.result = result
    report = problems(verify(election))
    assert f"result.json, round 1: votes for {name} is" in report
    assert "the counted event does not name result.json" in report


def test_a_file_changed_after_signing_fails_its_manifest_hash(election):
    files = election.files()
    files["tokens.csv"] = files["tokens.csv"].replace(b",unused", b",voted", 1)
    report = problems(verify(election, files))
    assert "tokens.csv: SHA-256 does not match the manifest (file altered)" in report


def test_a_token_listed_twice_in_the_ballots_is_named(election):
    row = election.data.ballots[2]
    election.data.ballots.append(BallotRow(row.token, "sms", (4,)))
    report = problems(verify(election))
    assert f"token {row.token} used twice" in report


def test_a_token_hash_listed_twice_in_the_token_list_is_named(election):
    election.data.tokens.append(election.data.tokens[5])
    report = problems(verify(election))
    assert f"token hash {election.data.tokens[5][0]} listed twice" in report


def test_a_ballot_whose_token_fails_its_checksum_is_named(election):
    row = election.data.ballots[0]
    bad = row.token[:-1] + str((int(row.token[-1]) + 1) % 10)
    election.data.ballots[0] = dataclasses.replace(row, token=bad)
    assert f"token {bad} is not a valid 20-digit token (checksum)" in problems(verify(election))


def test_an_extra_token_slipped_into_the_list_breaks_the_merkle_root(election):
    election.data.tokens.append(("ab" * 32, "unused"))
    report = problems(verify(election))
    assert "the Merkle root of the listed hashes is not the one committed to" in report
    assert "tokens.csv: lists 15 tokens; the commitment says 14 were issued" in report


def test_ballots_listed_in_casting_order_are_named(election):
    files = election.files()
    header, *rows = files["ballots.csv"].decode().splitlines()
    by_casting = {row.token: i for i, row in enumerate(election.data.ballots)}
    rows.sort(key=lambda line: by_casting[line.split(",")[0]])
    files["ballots.csv"] = ("\n".join([header, *rows]) + "\n").encode()
    del files[MANIFEST]
    body = manifest_body(files, election.data.definition["slug"])
    files[MANIFEST] = pretty_json(crypto.envelope(election.key, "manifest", body))
    report = problems(verify(election, files))
    assert (
        "rows are not sorted by token (the order could reveal when each ballot was cast)" in report
    )


def _with_override(election: Election, after: str) -> None:
    kinds = [e.payload["kind"] for e in election.data.log]
    at = kinds.index(after) + 1
    override = {
        "kind": "override",
        "what": "postal_letters_pending",
        "pending": 3,
        "reason": "three letters unreadable, adjourned",
        "time": "2027-02-01T09:00:00Z",
    }
    election.data.log.insert(at, LogEntry(at, override, ""))
    election.data.log = relinked(election.data.log)


def test_an_officers_override_after_the_close_is_part_of_a_valid_log(election):
    _with_override(election, "closed")
    lifecycle = [
        r for r in verify(election) if "lifecycle" in r.name.lower() or "order" in r.name.lower()
    ]
    assert lifecycle and all(r.ok for r in lifecycle), [r.problems for r in lifecycle]


def test_an_override_before_the_close_is_named(election):
    _with_override(election, "opened")
    report = problems(verify(election))
    assert "override before the close" in report


def test_a_ballot_slipped_in_after_the_close_is_named(election):
    kinds = [e.payload["kind"] for e in election.data.log]
    at = kinds.index("closed") + 1
    stuffed = {"kind": "ballot", "commitment": "ab" * 32}
    election.data.log.insert(at, LogEntry(at, stuffed, ""))
    election.data.log = relinked(election.data.log)
    report = problems(verify(election))
    assert "ballot 1 after the close, but the closed event allowed 0 late ballot(s)" in report


# --- a ballot of several contests: tampering that crosses contests ---


def _row(election: Election, index: int) -> BallotRow:
    return sorted(election.data.ballots, key=lambda row: row.token)[index]


def _replace_row(election: Election, old: BallotRow, new: BallotRow) -> None:
    election.data.ballots[election.data.ballots.index(old)] = new


def test_the_untampered_ballot_of_three_contests_passes_every_check():
    election = build_contests_election()
    results = verify(election, receipts=election.receipts)
    assert [r.problems for r in results if not r.ok] == []


def test_a_vote_moved_from_one_contest_to_another_is_named_by_contest_and_receipt():
    election = build_contests_election()
    row = election.data.ballots[0]  # {"A": [1, 3, 2], "B": [2, 1], "C": [1]}
    assert isinstance(row.choices, dict)
    moved = {**row.choices, "A": (), "B": row.choices["A"]}  # 1 3 2 are candidates in B too
    _replace_row(election, row, dataclasses.replace(row, choices=moved))
    report = problems(verify(election, receipts=[election.receipts[0]]))
    assert f"the published choices for token {row.token} differ from the ballot" in report
    assert "result.json, contest A" in report and "result.json, contest B" in report
    assert "result.json, contest C" not in report


def test_a_contest_dropped_from_one_tokens_row_is_named():
    election = build_contests_election()
    row = election.data.ballots[3]  # phone: {"A": [1, 2, 3, 4], "B": [3, 2], "C": [1]}
    assert isinstance(row.choices, dict)
    dropped = {key: numbers for key, numbers in row.choices.items() if key != "C"}
    _replace_row(election, row, dataclasses.replace(row, choices=dropped))
    report = problems(verify(election, receipts=[election.receipts[3]]))
    assert "result.json, contest C: 1 blank ballots; the recount finds 2" in report
    assert f"the published choices for token {row.token} differ from the ballot" in report
    assert "contest A" not in report and "contest B" not in report


def test_a_contest_cell_cut_out_of_a_row_of_ballots_csv_makes_the_bundle_unreadable():
    election = build_contests_election()
    files = election.files()
    header, first, *rest = files["ballots.csv"].decode().splitlines()
    files["ballots.csv"] = ("\n".join([header, first.rsplit(",", 1)[0], *rest]) + "\n").encode()
    try:
        parse_bundle(files)
    except BundleReadError as error:
        assert "ballots.csv, line 2: expected 5 fields (token,channel,A,B,C), found 4" in str(error)
    else:
        raise AssertionError("a row with a contest missing was read")


def test_a_contests_result_altered_is_named_by_contest_round_and_candidate():
    election = build_contests_election()
    result = json.loads(json.dumps(election.data.result))
    chair = result["contests"]["B"]
    name = chair["candidates"][1]
    votes = chair["rounds"][0]["votes"]
    votes[name] = str(int(votes[name]) + 1)
    election.data.result = result
    report = problems(verify(election))
    assert f"result.json, contest B, round 1: votes for {name} is" in report
    assert "the counted event does not name result.json" in report
    assert "contest A" not in report and "contest C" not in report


def test_two_contests_results_swapped_are_both_named():
    election = build_contests_election()
    result = json.loads(json.dumps(election.data.result))
    result["contests"]["A"], result["contests"]["B"] = (
        result["contests"]["B"],
        result["contests"]["A"],
    )
    election.data.result = result
    report = problems(verify(election))
    assert "result.json, contest A: method is 'irv'" in report
    assert "result.json, contest B: method is 'scottish-stv'" in report


def _resigned(election: Election, files: dict[str, bytes]) -> dict[str, bytes]:
    """The files with the manifest signed again by the election's key, as its holder could."""
    files = {name: data for name, data in files.items() if name != MANIFEST}
    body = manifest_body(files, election.data.definition["slug"])
    return {**files, MANIFEST: pretty_json(crypto.envelope(election.key, "manifest", body))}


def test_a_choice_that_is_no_candidate_of_its_contest_is_named_by_contest():
    election = build_contests_election()
    files = election.files()
    header, first, *rest = files["ballots.csv"].decode().splitlines()
    token, channel, a, b, c = first.split(",")
    first = ",".join([token, channel, a, "4", c])  # the chair has three candidates
    files["ballots.csv"] = ("\n".join([header, first, *rest]) + "\n").encode()
    report = problems(verify(election, _resigned(election, files)))
    assert "ballots.csv, line 2, contest B: 4 is not a candidate number" in report


def test_ballots_csv_columns_that_are_not_the_ballots_contests_are_named():
    election = build_contests_election()
    files = election.files()
    text = files["ballots.csv"].decode()
    files["ballots.csv"] = text.replace("token,channel,A,B,C", "token,channel,A,C,B", 1).encode()
    report = problems(verify(election, _resigned(election, files)))
    assert (
        "ballots.csv, line 1: the columns are token,channel,A,C,B; "
        "election.json asks for token,channel,A,B,C"
    ) in report
    assert "result.json, contest B" in report and "result.json, contest C" in report
