"""The README's demo, as a user runs it: one command, a real count printed, no traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_demo_runs_an_election_end_to_end(tmp_path: Path) -> None:
    ballotbox = Path(sys.executable).parent / "ballotbox"
    env = {**os.environ, "COLUMNS": "120"}
    done = subprocess.run(
        [str(ballotbox), "demo", "--no-serve", "--dir", str(tmp_path / "demo"), "--voters", "300"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    # One card, three contests; every door feeds cast() and records exactly what was chosen.
    assert "Cast 300 ballots through cast(), each with all three contests" in out
    assert "15 by phone, 30 by postal, 30 by sms, 225 by web" in out
    assert "Tellers keyed 30 letters twice: 30 accepted." in out
    assert "Contest A: Branch Executive Committee: scottish-stv, 6 seats" in out
    assert "Contest B: Branch Chair: irv, 1 seat" in out
    assert "Contest C: Motion 4" in out and "it needed more than 2/3, so the motion is" in out
    slate = out.split("Contest A:")[1].split("Contest B:")[0]
    assert slate.count("elected at stage") == 6
    women = {"Amara Okafor", "Catriona MacLeod", "Elena Rossi", "Grace Mensah", "Ines Ferreira",
             "Kirsty Bell"}  # fmt: skip
    elected = slate.split("Elected: ")[1].split("Left blank")[0].replace("\n", " ")
    assert sum(name in elected for name in women) >= 3  # the group minimum holds
    chair = out.split("Contest B:")[1].split("Contest C:")[0]
    assert chair.count("elected at stage") == 1
    assert out.count("Left blank on") == 3
    # The refusals a member can meet are explained, not crashed on.
    assert "already been used" in out and "typing error" in out and "cancelled before voting" in out
    assert "Candidate 9 does not exist" in out and "Your ballot is blank" in out
    assert "Traceback" not in out + done.stderr
    assert (tmp_path / "demo" / "ballotbox.db").is_file()
    # How to sign in to the officers' console, with a code that works now.
    assert "Officers' console: http://127.0.0.1:8000/admin" in out
    assert "Username:       officer" in out and "Password:       riverside demo only" in out
    uri = next(line.strip() for line in out.splitlines() if "otpauth://" in line)
    printed = re.search(r"One-time code:\s+(\d{6})", out)
    assert printed is not None
    assert pyotp.TOTP(pyotp.parse_uri(uri).secret).verify(printed.group(1), valid_window=2)
    # Running it again recreates the demo folder instead of failing.
    again = subprocess.run(
        [str(ballotbox), "demo", "--no-serve", "--dir", str(tmp_path / "demo"), "--voters", "20"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr


def test_demo_refuses_a_folder_that_is_not_a_demo(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    ballotbox = Path(sys.executable).parent / "ballotbox"
    done = subprocess.run(
        [str(ballotbox), "demo", "--no-serve", "--dir", str(precious)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "not a ballotbox demo folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert (precious / "notes.txt").read_text() == "keep me"
