"""Golden files for the bundle format: a deterministic bundle checked byte for byte.

Regenerate after a deliberate format change with::

    BALLOTBOX_REGEN_GOLDEN=1 .venv/bin/pytest tests/unit/audit/test_golden.py

and review the diff: every changed byte is a change to a public format.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ballotbox.core.audit.bundle import pretty_json
from tests.unit.audit.factory import build_contests_election, build_election

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("BALLOTBOX_REGEN_GOLDEN") == "1"


def golden_files() -> dict[str, bytes]:
    """The deterministic bundles (one contest; three contests) and each first voter's receipt."""
    files: dict[str, bytes] = {}
    for prefix, election in (("", build_election()), ("contests-", build_contests_election())):
        files.update({f"{prefix}bundle/{name}": data for name, data in election.files().items()})
        files[f"{prefix}receipt-0.json"] = pretty_json(election.receipts[0])
    return files


def test_the_bundle_matches_the_golden_files_byte_for_byte():
    files = golden_files()
    if REGEN:
        for name, data in files.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
    stored = {
        str(p.relative_to(GOLDEN)): p.read_bytes() for p in sorted(GOLDEN.rglob("*")) if p.is_file()
    }
    if not stored:
        pytest.fail("no golden files; run with BALLOTBOX_REGEN_GOLDEN=1 once and commit them")
    assert sorted(stored) == sorted(files)
    for name in files:
        assert files[name] == stored[name], f"{name} differs from the golden file"


def test_building_twice_gives_the_same_bytes():
    assert golden_files() == golden_files()


def test_the_golden_bundle_verifies_from_disk(capsys):
    from ballotbox.core.audit.verify import main

    assert main([str(GOLDEN / "bundle"), "--receipt", str(GOLDEN / "receipt-0.json")]) == 0
    assert "OK: all 13 checks hold." in capsys.readouterr().out


def test_the_golden_ballot_of_three_contests_verifies_from_disk(capsys):
    from ballotbox.core.audit.verify import main

    bundle, receipt = GOLDEN / "contests-bundle", GOLDEN / "contests-receipt-0.json"
    assert main([str(bundle), "--receipt", str(receipt)]) == 0
    assert "OK: all 13 checks hold." in capsys.readouterr().out
    assert (bundle / "ballots.csv").read_text().startswith("token,channel,A,B,C\n")
    assert sorted(p.name for p in bundle.glob("*.blt")) == [
        "ballots-A.blt",
        "ballots-B.blt",
        "ballots-C.blt",
    ]


def test_the_golden_log_starts_at_genesis_as_documented():
    first = json.loads((GOLDEN / "bundle" / "log.jsonl").read_text().splitlines()[0])
    assert first["position"] == 0 and first["payload"]["kind"] == "created"
