"""End to end: one ballot of three contests (an STV slate, an IRV chair, a two-thirds motion).

Defined from a ``[[contests]]`` TOML, issued and opened with the ``ballotbox``
command, voted through a running server by the JSON API (the key → choices
form) and by SMS (``TOKEN A … B … C …``, signed as Twilio signs), closed,
tallied and published with the command, then checked by ``ballotbox-verify``
in a separate process: it passes, with a receipt from a real cast, and fails,
naming the contest, once one contest's choice in one row of ballots.csv is
changed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from ballotbox.adapters.sms.simulator import send
from tests.conftest import REPO
from tests.fixtures.servers import LiveServerFactory

BIN = Path(sys.executable).parent
AUTH = "f00dfacef00dfacef00dfacef00dface"
SLUG = "agm-2027"

DEFINITION = """\
slug = "agm-2027"
title = "Annual ballot 2027"
opens = {opens}
closes = {closes}
channels = ["web", "sms", "phone", "postal"]

[[contests]]
key = "A"
title = "Executive committee (3 seats)"
method = "scottish-stv"
seats = 3
group_minimums = [{{ group = "women", minimum = 1 }}]
{slate}
[[contests]]
key = "B"
title = "Chair"
method = "irv"
{chair}
[[contests]]
key = "C"
title = "Motion 1: affiliate to the campaign"
method = "referendum"
threshold = "2/3"
"""
SLATE = ["Ann Example", "Bob Builder", "Cy Twombly", "Dee Dee", "Eve Online", "Flo Rida"]
CHAIR = ["Gus Grissom", "Hal Incandenza", "Ida Lupino"]


def candidates(names: list[str], women: frozenset[str] = frozenset()) -> str:
    """The ``[[contests.candidates]]`` tables of one contest."""
    return "".join(
        f'[[contests.candidates]]\nnumber = {i}\nname = "{name}"\n'
        + ('group = "women"\n' if name in women else "")
        for i, name in enumerate(names, start=1)
    )


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def ballotbox(env: dict[str, str], *args: str) -> str:
    done = run([str(BIN / "ballotbox"), *args], env)
    assert done.returncode == 0, f"ballotbox {' '.join(args)}: {done.stderr}{done.stdout}"
    return done.stdout


def a_ballot(rng: random.Random) -> dict[str, list[Any]]:
    """A voter's choices in the API's key → choices form; sometimes a contest is left out."""
    ballot: dict[str, list[Any]] = {}
    if rng.random() < 0.9:
        ballot["A"] = rng.sample(range(1, 7), rng.randint(1, 6))
    if rng.random() < 0.85:
        ballot["B"] = rng.sample(range(1, 4), rng.randint(1, 3))
    if rng.random() < 0.9 or not ballot:
        ballot["C"] = [rng.choices(["yes", "no", "abstain"], weights=[6, 3, 1])[0]]
    return ballot


def sms_text(token: str, ballot: dict[str, list[Any]]) -> str:
    """``TOKEN A 3 1 2 B 2 C YES``."""
    words = [token]
    for key, choices in ballot.items():
        words += [key, *(str(c).upper() for c in choices)]
    return " ".join(words)


def test_a_ballot_of_three_contests_is_voted_published_and_verified(
    database_url: str, live_server: LiveServerFactory, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    toml = tmp_path / "agm.toml"
    toml.write_text(
        DEFINITION.format(
            opens=(now + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
            closes=(now + timedelta(hours=3)).isoformat().replace("+00:00", "Z"),
            slate=candidates(SLATE, frozenset({"Ann Example", "Cy Twombly", "Eve Online"})),
            chair=candidates(CHAIR),
        )
    )
    keys = tmp_path / "keys"
    keys.mkdir()
    env = {**os.environ, "BALLOTBOX_DATABASE_URL": database_url, "BALLOTBOX_KEY_DIR": str(keys)}
    ballotbox(env, "init")
    created = ballotbox(env, "election", "create", str(toml))
    assert "3 contests" in created
    ballotbox(env, "tokens", "issue", SLUG, "--count", "24", "--csv", str(tmp_path / "cards.csv"))
    cards = csv.DictReader(io.StringIO((tmp_path / "cards.csv").read_text()))
    tokens = [row["token"] for row in cards]
    ballotbox(env, "election", "open", SLUG)
    shown = ballotbox(env, "election", "show", SLUG)
    for line in ("A  Executive committee (3 seats)", "B  Chair", "C  Motion 1"):
        assert line in shown, shown

    server = live_server(database_url=database_url, key_dir=keys,
                         env={"BALLOTBOX_TWILIO_AUTH_TOKEN": AUTH})  # fmt: skip
    rng = random.Random(11)
    sent: dict[str, dict[str, list[Any]]] = {}
    receipt: dict[str, Any] | None = None
    with httpx.Client(base_url=server.url, timeout=30) as api:
        for token in tokens[:14]:
            ballot = a_ballot(rng)
            answer = api.post(f"/api/v1/elections/{SLUG}/ballots",
                              json={"token": token, "choices": ballot})  # fmt: skip
            assert answer.status_code == 201, answer.text
            sent[token] = ballot
            receipt = answer.json()["receipt"]
            assert set(answer.json()["ballot"]) == {"A", "B", "C"}
        for token in tokens[14:20]:
            ballot = a_ballot(rng)
            reply = send(api, sms_text(token, ballot), auth_token=AUTH)
            assert reply.status == 200 and "recorded" in " ".join(reply.messages), reply.messages
            sent[token] = ballot
        again = api.post(f"/api/v1/elections/{SLUG}/ballots",
                         json={"token": tokens[0], "choices": {"C": ["no"]}})  # fmt: skip
        assert again.status_code == 409
    assert receipt is not None
    (tmp_path / "receipt.json").write_text(json.dumps(receipt))

    ballotbox(env, "election", "close", SLUG)
    sheets = ballotbox(env, "tally", SLUG)
    for heading in ("Contest A\n", "Contest B\n", "Contest C\n", "Executive committee", "Chair"):
        assert heading in sheets, sheets
    assert sheets.count("Left blank on") == 3
    ballotbox(env, "publish", SLUG, "--out", str(tmp_path / "bundle"))

    verify = run([str(BIN / "ballotbox-verify"), str(tmp_path / "bundle.zip"),
                  "--receipt", str(tmp_path / "receipt.json")], env)  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "OK: all 13 checks hold." in verify.stdout
    result = json.loads((tmp_path / "bundle" / "result.json").read_text())
    assert set(result["contests"]) == {"A", "B", "C"}
    assert len(result["contests"]["A"]["elected"]) == 3
    assert len(result["contests"]["B"]["elected"]) == 1
    assert result["contests"]["C"]["outcome"] in {"carried", "not carried"}
    blank = {k: sum(1 for b in sent.values() if k not in b) for k in "ABC"}
    assert result["blank"] == blank
    served = httpx.get(f"{server.url}/api/v1/elections/{SLUG}/result").json()
    assert served == result
    rows = list(csv.reader(io.StringIO((tmp_path / "bundle" / "ballots.csv").read_text())))
    assert rows[0] == ["token", "channel", "A", "B", "C"] and len(rows) == 1 + len(sent)
    assert {r[1] for r in rows[1:]} == {"web", "sms"}

    # One contest's choice in one row changed: the check fails and names the contest.
    tampered = tmp_path / "tampered"
    shutil.copytree(tmp_path / "bundle", tampered)
    changed = next(i for i, r in enumerate(rows) if i and r[3] and r[3].split()[0] != "1")
    rows[changed][3] = " ".join(["1", *[c for c in rows[changed][3].split() if c != "1"]])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (tampered / "ballots.csv").write_text(out.getvalue())
    failed = run([str(BIN / "ballotbox-verify"), str(tampered)], env)
    assert failed.returncode == 1, failed.stdout
    assert "ballots.csv: SHA-256 does not match the manifest (file altered)" in failed.stdout
    assert "result.json, contest B" in failed.stdout
    assert "result.json, contest A" not in failed.stdout
    assert "result.json, contest C" not in failed.stdout
