"""The witness file: each election's newest chain head, kept outside the database."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ballotbox.storage import witness
from ballotbox.storage.witness import Witness, read_witness, record


def test_what_this_process_wrote_is_read_back_without_parsing_and_another_write_is_seen(
    tmp_path: Path,
) -> None:
    """Every batch of casts writes the witness and reads it before the next: the version this
    process wrote is known; one another worker or host put in place is read afresh."""
    record(tmp_path, Witness("e-2027", 4, "aa" * 32))
    parsed = witness._parse.cache_info().misses  # noqa: SLF001 - the cache is the point
    assert read_witness(tmp_path) == Witness("e-2027", 4, "aa" * 32)
    assert witness._parse.cache_info().misses == parsed  # noqa: SLF001
    # Another process moves the chain on (written aside and renamed, as record() does).
    other = tmp_path / ".other.tmp"
    newer = Witness("e-2027", 9, "bb" * 32)
    other.write_text(json.dumps(newer.to_json()), encoding="utf-8")
    os.replace(other, tmp_path / witness.WITNESS_FILE)
    assert read_witness(tmp_path) == newer
    # And this process merges with it: the newer head stays.
    assert record(tmp_path, Witness("e-2027", 7, "cc" * 32)) == newer
    assert read_witness(tmp_path) == newer
