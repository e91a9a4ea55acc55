"""The verifier's compact way with ballots.csv's distinct rankings, and the exact way it yields to.

While every cell is plain the rankings are held as bytes of candidate ids in
a temporary SQLite tally and counted from a flat profile; a cell that is not
plain sends the verifier back to the exact way (each distinct cell parsed), to
the same answers.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ballotbox.core.audit import crypto, source, verify_gather
from ballotbox.core.audit.bundle import MANIFEST, manifest_body, pretty_json
from ballotbox.core.audit.source import MemorySource
from ballotbox.core.audit.verify import verify_bundle
from ballotbox.core.audit.verify_checks import Evidence
from ballotbox.core.audit.verify_gather import gather
from ballotbox.core.audit.verify_rankings import RankingTally, encode, plain_cells
from ballotbox.core.counting.profile import MAX_BYTE_CANDIDATES, Profile
from tests.unit.audit.factory import (
    DEFINITION,
    VOTES,
    Election,
    build_contests_election,
    build_election,
)

#: Candidates numbered 1, 2, 3 and 10: ids 0-3, so "10" (id 3) sorts after "2" (id 1).
NUMBERED: dict[str, Any] = {
    **copy.deepcopy(DEFINITION),
    "candidates": [
        {**entry, "number": number}
        for entry, number in zip(DEFINITION["candidates"], [1, 2, 3, 10], strict=True)
    ],
}
NUMBERED_VOTES = [(channel, [10 if c == 4 else c for c in choices]) for channel, choices in VOTES]


def table(numbers: list[int]) -> dict[bytes, int]:
    """The plain-cell table of a one-contest ballot whose candidates have these numbers."""
    definition = {**DEFINITION, "candidates": [{"number": n, "name": str(n)} for n in numbers]}
    plain = plain_cells(definition)
    assert plain is not None and plain.header == ["token", "channel", "choices"]
    return plain.tables[0]


def test_plain_cells_become_bytes_of_candidate_ids() -> None:
    ids = table([1, 2, 10])
    cells = [b"10 1", b"", b"2", b" 1  2 ", b"  "]
    assert encode(cells, ids) == [b"\x02\x00", b"", b"\x01", b"\x00\x01", b""]
    assert encode([], ids) == []


@pytest.mark.parametrize("cell", [b"3", b"01", b"+1", b"1\t2", b"1,2", b"1 1", b"one", b"-1"])
def test_a_cell_that_is_not_plain_is_refused(cell: bytes) -> None:
    assert encode([b"1 2", cell], table([1, 2, 10])) is None


def test_the_tally_adds_batches_up_and_reads_back_in_the_order_of_the_numbers() -> None:
    tally = RankingTally()
    try:
        tally.add(0, [b"\x02", b"\x00\x01", b""], [1, 2, 3])
        tally.add(0, [b"\x00\x01", b"\x00"], [5, 1])
        tally.add(1, [b"\x00"], [7])
        assert tally.blank(0) == 3 and tally.blank(1) == 0
        assert [row for chunk in tally.rankings(0) for row in chunk] == [
            (b"\x00", 1),
            (b"\x00\x01", 7),
            (b"\x02", 1),
        ]
        with pytest.raises(ValueError, match="a count for every ranking"):
            tally.add(0, [b"\x00"], [1, 2])
    finally:
        tally.close()


def test_a_contest_too_large_or_a_definition_too_odd_is_left_to_the_exact_way() -> None:
    many = [{"number": n, "name": str(n)} for n in range(1, MAX_BYTE_CANDIDATES + 2)]
    assert plain_cells({**DEFINITION, "candidates": many}) is None
    assert plain_cells({**DEFINITION, "candidates": many[:MAX_BYTE_CANDIDATES]}) is not None
    assert plain_cells({"contests": "A"}) is None


def evidence(files: dict[str, bytes]) -> Evidence:
    return gather(MemorySource(files))


def exact_evidence(files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> Evidence:
    with monkeypatch.context() as patch:
        patch.setattr(verify_gather, "plain_cells", lambda _definition: None)
        return evidence(files)


@pytest.mark.parametrize(
    "election",
    [
        build_election(),
        build_contests_election(),
        build_election(votes=NUMBERED_VOTES, definition=NUMBERED),
    ],
    ids=["one contest", "three contests", "numbered 1 2 3 10"],
)
def test_the_compact_way_counts_what_the_exact_way_counts(
    election: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = election.files()
    compact, exact = evidence(files), exact_evidence(files, monkeypatch)
    assert compact.ballots.plain and not exact.ballots.plain
    assert compact.prepared is not None and exact.prepared is not None
    (ours, our_blanks), (theirs, their_blanks) = compact.prepared, exact.prepared
    assert our_blanks == their_blanks
    for key, data in ours.items():
        assert isinstance(data.ballots, Profile)
        assert list(data.ballots) == list(theirs[key].ballots)  # the same rankings, same order
        assert (data.candidates, data.seats, data.groups) == (
            theirs[key].candidates,
            theirs[key].seats,
            theirs[key].groups,
        )
    assert compact.fresh == exact.fresh == election.data.result
    assert [r.problems for r in verify_bundle(files) if not r.ok] == []  # the .blt files too


def resigned(election: Election, files: dict[str, bytes]) -> dict[str, bytes]:
    """The files with the manifest signed again by the election's key, as its holder could."""
    files = {name: data for name, data in files.items() if name != MANIFEST}
    body = manifest_body(files, election.data.definition["slug"])
    return {**files, MANIFEST: pretty_json(crypto.envelope(election.key, "manifest", body))}


def with_last_cell(election: Election, cell: str) -> dict[str, bytes]:
    """The bundle with the first contest's cell of the last row of ballots.csv replaced."""
    files = election.files()
    lines = files["ballots.csv"].decode().splitlines()
    fields = lines[-1].split(",")
    fields[2] = cell
    lines[-1] = ",".join(fields)
    files["ballots.csv"] = ("\n".join(lines) + "\n").encode()
    return resigned(election, files)


def test_a_cell_not_plain_found_part_way_is_counted_again_the_exact_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(source, "BLOCK_BYTES", 64)  # a batch of a row or two at a time
    election = build_contests_election()
    last = election.files()["ballots.csv"].decode().splitlines()[-1].split(",")[2]
    assert last
    files = with_last_cell(election, "\t".join(f"0{n}" for n in last.split()))  # the same choices
    ev = evidence(files)
    assert ev.ballots.reread and not ev.ballots.plain
    assert ev.fresh == election.data.result
    assert [r.problems for r in verify_bundle(files) if not r.ok] == []


def test_a_candidate_chosen_twice_deep_in_the_file_is_named_by_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(source, "BLOCK_BYTES", 64)
    election = build_contests_election()
    files = with_last_cell(election, "1 1")
    line = files["ballots.csv"].count(b"\n")
    report = "\n".join(p for r in verify_bundle(files) for p in r.problems)
    assert f"ballots.csv, line {line}, contest A: a candidate is chosen twice" in report
