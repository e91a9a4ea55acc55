"""The witness file: each election's newest chain head, kept outside the database."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ballotbox.storage import witness
from ballotbox.storage.witness import Witness, read_witness, record


def test_what_this_process_wrote_is_read_back_without_parsing_and_another_write_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every batch of casts writes the witness and reads it before the next: the version this
    process wrote is known; one another worker or host put in place is read afresh."""
    parses: list[str] = []
    parse = witness._parse  # noqa: SLF001 - how often the file is parsed is the point

    def counted(path: str) -> Witness:
        parses.append(path)
        return parse(path)

    monkeypatch.setattr(witness, "_parse", counted)
    record(tmp_path, Witness("e-2027", 4, "aa" * 32))
    assert read_witness(tmp_path) == Witness("e-2027", 4, "aa" * 32)
    assert read_witness(tmp_path) == Witness("e-2027", 4, "aa" * 32)
    assert parses == []
    # Another process moves the chain on (written aside and renamed, as record() does).
    other = tmp_path / ".other.tmp"
    newer = Witness("e-2027", 9, "bb" * 32)
    other.write_text(json.dumps(newer.to_json()), encoding="utf-8")
    os.replace(other, tmp_path / witness.WITNESS_FILE)
    assert read_witness(tmp_path) == newer
    assert len(parses) == 1  # read afresh, once
    assert read_witness(tmp_path) == newer
    assert len(parses) == 1
    # And this process merges with it: the newer head stays.
    assert record(tmp_path, Witness("e-2027", 7, "cc" * 32)) == newer
    assert read_witness(tmp_path) == newer
