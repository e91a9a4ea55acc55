"""Saved checkpoints against a published log: each way a log can fail to extend one is named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ballotbox.core.audit.bundle import BundleReadError, LogEntry
from ballotbox.core.audit.chain import heads
from ballotbox.core.audit.crypto import generate_signing_key
from ballotbox.core.audit.receipts import make_checkpoint
from ballotbox.core.audit.saved_checkpoints import SavedCheckpoints, check_saved, load_saved

KEY = generate_signing_key()
SLUG = "test-2027"


def _log(payloads: list[dict[str, Any]]) -> tuple[list[LogEntry], list[bytes]]:
    hashes = heads(payloads)
    return [
        LogEntry(i, p, h.hex()) for i, (p, h) in enumerate(zip(payloads, hashes, strict=True))
    ], hashes


def _checkpoint(
    position: int, head: bytes, ballots: int, key: Any = KEY, election: str = SLUG
) -> dict[str, Any]:
    return make_checkpoint(
        key, election=election, position=position, head=head, ballots=ballots, time="T12:00Z"
    )


BALLOT = {"kind": "ballot", "commitment": "00" * 32}
OLD = [{"kind": "created"}, {"kind": "opened"}, BALLOT, BALLOT, BALLOT]


def test_a_log_that_extends_every_saved_checkpoint_passes() -> None:
    log, hashes = _log([*OLD, BALLOT])
    saved = [_checkpoint(2, hashes[2], 1), _checkpoint(4, hashes[4], 3)]
    assert (
        check_saved(
            KEY.verify_key, SLUG, log, hashes, saved, SavedCheckpoints("a.json", tuple(saved))
        )
        == []
    )


def test_each_way_of_not_extending_a_checkpoint_is_named() -> None:
    _old_log, old_hashes = _log(OLD)
    rolled_back = [*OLD[:3], {"kind": "restored", "reason": "disk lost"}, BALLOT]
    log, hashes = _log(rolled_back)
    saved = (
        _checkpoint(4, old_hashes[4], 3),  # same length, different entry 4
        _checkpoint(9, b"\x01" * 32, 7),  # beyond the end of the log
        _checkpoint(2, hashes[2], 1),  # fine, but never published
        _checkpoint(2, hashes[2], 1, key=generate_signing_key()),  # not this key
        _checkpoint(2, hashes[2], 1, election="other-2027"),
    )
    problems = check_saved(KEY.verify_key, SLUG, log, hashes, [], SavedCheckpoints("s.json", saved))
    assert problems[0].startswith("s.json, checkpoint 1 (entry 4, 3 ballots, signed T12:00Z)")
    assert "holds a different entry 4" in problems[0] and "line 4: “disk lost”" in problems[0]
    assert "ends at entry 4" in problems[1] and problems[1].startswith("s.json, checkpoint 2")
    assert "missing from checkpoints.json" in problems[2]
    assert problems[3] == "s.json, checkpoint 4: not signed by this election's key"
    assert problems[4].endswith(
        "checkpoint 5 (entry 2, 1 ballots, signed T12:00Z): made for election 'other-2027'"
    )


def test_a_saved_file_is_a_list_or_one_checkpoint_and_junk_is_unreadable(tmp_path: Path) -> None:
    one = _checkpoint(0, b"\x00" * 32, 0)
    (tmp_path / "one.json").write_text(json.dumps(one))
    assert load_saved(tmp_path / "one.json").statements == (one,)
    (tmp_path / "list.json").write_text(json.dumps([one, one]))
    assert len(load_saved(tmp_path / "list.json").statements) == 2
    for junk in ("not json", '"a string"', "[" * 100_000):
        (tmp_path / "junk.json").write_text(junk)
        with pytest.raises(BundleReadError):
            load_saved(tmp_path / "junk.json")
