"""ballotbox-verify on the command line: report lines, JSON, zip input and exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys

from ballotbox.core.audit.bundle import build_files, pretty_json, write_directory, write_zip
from ballotbox.core.audit.verify import main
from tests.conftest import REPO


def test_a_valid_bundle_exits_0_with_one_tick_per_check(election, tmp_path, capsys):
    write_directory(election.files(), tmp_path / "bundle")
    assert main([str(tmp_path / "bundle")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert all(line.startswith("✓") for line in out[:-1])
    assert out[-1] == "OK: all 12 checks hold."


def test_the_zip_verifies_like_the_directory_with_receipts(election, tmp_path, capsys):
    write_zip(election.files(), tmp_path / "bundle.zip", "branch-committee-2027")
    receipt = tmp_path / "receipt.json"
    receipt.write_bytes(pretty_json(election.receipts[3]))
    assert main([str(tmp_path / "bundle.zip"), "--receipt", str(receipt)]) == 0
    assert (
        f"✓ receipt receipt.json (code {election.receipts[3]['code']})" in capsys.readouterr().out
    )


def test_a_failing_check_exits_1_and_names_the_problem_in_json(election, tmp_path, capsys):
    election.data.ballots.pop()
    write_directory(build_files(election.data, election.key), tmp_path / "bundle")
    assert main([str(tmp_path / "bundle"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    failed = {c["name"]: c["problems"] for c in report["checks"] if not c["ok"]}
    counts = failed["issued = voted + unused + void; one log entry per ballot"]
    assert "log.jsonl has 10 ballot entries but ballots.csv lists 9 ballots" in counts


def test_a_wrong_pinned_public_key_fails(election, tmp_path, capsys):
    write_directory(election.files(), tmp_path / "bundle")
    assert main([str(tmp_path / "bundle"), "--public-key", "00" * 32]) == 1
    assert "public_key: not the key given with --public-key" in capsys.readouterr().out


def test_an_unreadable_bundle_exits_2_without_a_traceback(tmp_path, capsys):
    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "log.jsonl").write_text("{not json\n")
    assert main([str(tmp_path / "bundle")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("✗ token_key: missing from the bundle")
    assert main([str(tmp_path / "nowhere.zip")]) == 2


def test_malformed_json_is_reported_with_file_and_line(election, tmp_path, capsys):
    files = election.files()
    files["log.jsonl"] = files["log.jsonl"] + b"{oops\n"
    write_directory(files, tmp_path / "bundle")
    assert main([str(tmp_path / "bundle")]) == 2
    assert f"log.jsonl, line {len(election.data.log) + 1}: not JSON" in capsys.readouterr().err


def test_an_unreadable_receipt_exits_2(election, tmp_path, capsys):
    write_directory(election.files(), tmp_path / "bundle")
    (tmp_path / "r.json").write_text("nope")
    assert main([str(tmp_path / "bundle"), "--receipt", str(tmp_path / "r.json")]) == 2
    assert "cannot read the receipt" in capsys.readouterr().err


def test_the_console_script_entry_point_runs_as_a_module(election, tmp_path):
    write_directory(election.files(), tmp_path / "bundle")
    run = subprocess.run(
        [sys.executable, "-m", "ballotbox.core.audit.verify", str(tmp_path / "bundle")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
