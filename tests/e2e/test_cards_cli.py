"""Cards and registers through the command line, as a returning officer runs them.

``ballotbox tokens issue`` writes a real PDF: it is rasterised with poppler as a
printer would see it, every QR code is decoded and must open a valid token the
database knows by its keyed hash, and the serials run 000001, 000002… Refused
runs issue nothing.  The member commands import, find duplicates, record
hand-outs, reconcile stock and print address labels that hold no token.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from ballotbox.core.tokens.format import Token, parse
from ballotbox.core.tokens.hashing import token_hash
from ballotbox.definition import definition_from_dict
from ballotbox.services import elections
from ballotbox.storage.models import BallotToken
from tests.conftest import skip_or_fail
from tests.fixtures.elections import BallotEnv
from tests.unit.tokens.pdfcheck import smallest_text

URL = "https://vote.example.org"
LINK = re.compile(re.escape(URL) + r"/v/(\d{20})")
SERIAL = re.compile(r"No\. (\d{6})")
GROUPED = re.compile(r"\b\d{4} \d{4} \d{4} \d{4} \d{4}\b")


@pytest.fixture(scope="module")
def poppler() -> None:
    for tool in ("pdftoppm", "pdftotext"):
        if shutil.which(tool) is None:
            skip_or_fail(f"{tool} not found (Debian package poppler-utils)")


def cli(env: BallotEnv, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "ballotbox"
    settings = {
        "BALLOTBOX_DATABASE_URL": env.settings.database_url,
        "BALLOTBOX_KEY_DIR": str(env.settings.key_dir),
        "BALLOTBOX_PUBLIC_URL": URL,
        "BALLOTBOX_ORGANISATION": "Example Union",
        "BALLOTBOX_SMS_NUMBER": "0770 090 0123",
        "BALLOTBOX_PHONE_NUMBER": "0800 123 4567",
        "BALLOTBOX_POSTAL_ADDRESS": "Returning Officer, FREEPOST RTKE-ABCD, Manchester M1 1AA",
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [str(exe), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **settings},
    )
    assert "Traceback" not in done.stdout + done.stderr
    return done


def refused(done: subprocess.CompletedProcess[str], words: str) -> None:
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], done.stderr


def stored(env: BallotEnv) -> set[bytes]:
    with env.read() as s:
        return {bytes(t.token_hash) for t in s.exec(select(BallotToken)).all()}


def pdf_text(pdf: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.mark.slow
def test_issue_prints_cards_whose_qr_codes_open_tokens_the_database_knows(
    sqlite_env: BallotEnv, tmp_path: Path, poppler: None
) -> None:
    import zxingcpp
    from PIL import Image

    sqlite_env.make_election(tokens=0, open_=False)
    done = cli(
        sqlite_env,
        "tokens",
        "issue",
        "test-2027",
        "--count",
        "13",
        "--pdf",
        "cards.pdf",
        "--csv",
        "cards.csv",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Issued 13 tokens for test-2027 as cards 000001 to 000013" in done.stdout
    key = sqlite_env.ctx.keys.token_key("test-2027")
    hashes = stored(sqlite_env)
    assert len(hashes) == 13
    subprocess.run(["pdftoppm", "-r", "200", "-png", "cards.pdf", "page"], cwd=tmp_path, check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == 4  # two sheets, each front followed by its back
    for back in (2, 4):
        text = pdf_text(tmp_path / "cards.pdf", back)
        assert not GROUPED.search(text) and "How to vote" in text and "# key" in text
    pages = images[0::2]
    with (tmp_path / "cards.csv").open(newline="") as fh:
        rows = {row["serial"]: row["token"] for row in csv.DictReader(fh)}
    serials: list[str] = []
    for number, image in enumerate(pages, start=1):
        with Image.open(image) as picture:
            codes = zxingcpp.read_barcodes(
                picture, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
            )
        from_qr = set()
        for code in codes:
            match = LINK.fullmatch(code.text)
            assert match, code.text
            token = parse(match.group(1))  # a valid token: length and check digits
            assert token_hash(token, key) in hashes
            from_qr.add(token.digits)
        text = pdf_text(tmp_path / "cards.pdf", 2 * number - 1)
        on_page = sorted(SERIAL.findall(text))
        serials += on_page
        printed = {g.replace(" ", "") for g in GROUPED.findall(text)}
        assert from_qr == printed == {rows[s] for s in on_page}
        assert len(from_qr) == (10 if number == 1 else 3)
        assert "Example Union" in text and "Test election test-2027" in text
        # The close in the ballot's time zone (Europe/London by default: GMT in January).
        assert "Voting closes 17:00 GMT, Sunday 31 January 2027" in " ".join(text.split())
        assert "0770 090 0123" in text
    assert serials == [f"{n:06d}" for n in range(1, 14)]

    # Refused runs issue nothing and leave the existing file alone.
    before = (tmp_path / "cards.pdf").read_bytes()
    refused(
        cli(
            sqlite_env,
            "tokens",
            "issue",
            "test-2027",
            "-n",
            "5",
            "--pdf",
            "cards.pdf",
            cwd=tmp_path,
        ),
        "cards.pdf already exists",
    )
    refused(
        cli(
            sqlite_env,
            "tokens",
            "issue",
            "test-2027",
            "-n",
            "5",
            "--pdf",
            "new.pdf",
            "--layout",
            "poster",
            cwd=tmp_path,
        ),
        "no layout called “poster”",
    )
    refused(cli(sqlite_env, "tokens", "issue", "test-2027", "-n", "5", cwd=tmp_path), "--pdf")
    refused(
        cli(sqlite_env, "tokens", "issue", "nope", "-n", "5", "--pdf", "new.pdf", cwd=tmp_path),
        "no election called “nope”",
    )
    assert (tmp_path / "cards.pdf").read_bytes() == before
    assert not (tmp_path / "new.pdf").exists()
    assert stored(sqlite_env) == hashes

    # Reserve stock, split into files with a manifest; serials of its own.
    done = cli(
        sqlite_env,
        "tokens",
        "issue",
        "test-2027",
        "-n",
        "12",
        "--reserve",
        "--pdf",
        "reserve.pdf",
        "--split",
        "5",
        "--layout",
        "avery",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "reserve.manifest.json").read_text())
    assert [(f["file"], f["first_serial"], f["last_serial"]) for f in manifest["files"]] == [
        ("reserve-001.pdf", "R00001", "R00005"),
        ("reserve-002.pdf", "R00006", "R00010"),
        ("reserve-003.pdf", "R00011", "R00012"),
    ]
    assert len(stored(sqlite_env)) == 25

    # Leftover cards can still be voided from the print-house CSV.
    (tmp_path / "spoiled.csv").write_text(
        "serial,token\n" + "".join(f"{s},{rows[s]}\n" for s in ("000012", "000013"))
    )
    done = cli(sqlite_env, "tokens", "void", "test-2027", "--from", "spoiled.csv", cwd=tmp_path)
    assert done.returncode == 0 and "Voided 2 card(s)" in done.stdout, done.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("layout", "minimum"), [("ballot-paper", 12), ("ballot-paper-large", 16)])
def test_issue_writes_postal_ballot_papers_in_large_type(
    sqlite_env: BallotEnv, tmp_path: Path, poppler: None, layout: str, minimum: float
) -> None:
    names = ["Siân Ŵyn", "Łukasz Żółć", "Αλέξανδρος Παπαδόπουλος", "Дмитрий Шостакович"]
    doc = sqlite_env.definition(title="Etholiad Tŷ Gwyn — Ŵyl 2027")
    doc["candidates"] = [{"number": n, "name": name} for n, name in enumerate(names, start=1)]
    with sqlite_env.session() as s:
        elections.create(s, sqlite_env.ctx, definition_from_dict(doc))
    done = cli(
        sqlite_env,
        "tokens",
        "issue",
        "test-2027",
        "-n",
        "3",
        "--pdf",
        "papers.pdf",
        "--csv",
        "papers.csv",
        "--layout",
        layout,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    with (tmp_path / "papers.csv").open(newline="") as fh:
        grouped = [row["token_grouped"] for row in csv.DictReader(fh)]
    first = " ".join(pdf_text(tmp_path / "papers.pdf", 1).split())
    for name in names:
        assert name in first, name
    assert grouped[0] in first and "Etholiad Tŷ Gwyn — Ŵyl 2027" in first
    assert "Sunday 31 January 2027" in first and "FREEPOST RTKE-ABCD" in first
    assert smallest_text(tmp_path / "papers.pdf") >= minimum
    key = sqlite_env.ctx.keys.token_key("test-2027")
    assert {token_hash(parse(g), key) for g in grouped} == stored(sqlite_env)


def test_cards_refuse_a_character_no_font_has_and_issue_nothing(
    sqlite_env: BallotEnv, tmp_path: Path
) -> None:
    sqlite_env.make_election(tokens=0, open_=False, title="選挙 2027")
    done = cli(
        sqlite_env, "tokens", "issue", "test-2027", "-n", "3", "--pdf", "c.pdf", cwd=tmp_path
    )
    refused(done, "“選”")
    assert "選挙 2027" in done.stderr
    assert not (tmp_path / "c.pdf").exists() and stored(sqlite_env) == set()


NORTH = (
    "Membership No,Full Name,E-mail,Post code,Address 1,Town\n"
    "NW-101,Ann Smith,ann@example.org,M1 1AA,1 High St,Manchester\n"
    "NW-102,Bob Jones,bob@bad,M2 2BB,2 Low St,Manchester\n"
    'NW-103,"O\'Brien, José",jose@example.org,M4 4DD,4 Road,Salford\n'
)
YORKS = (
    "Ref;Name;Postcode;Street\n"
    "Y-200;Dr Jose O Brien;M44DD;9 Moor Lane\n"
    "Y-201;Cara Lee;LS1 1AA;1 Dale\n"
)


@pytest.mark.slow
def test_members_from_registers_to_labels(
    sqlite_env: BallotEnv, tmp_path: Path, poppler: None
) -> None:
    sqlite_env.make_election(tokens=0, open_=False)
    (tmp_path / "north.csv").write_text(NORTH)
    (tmp_path / "yorks.csv").write_text(YORKS)
    done = cli(
        sqlite_env,
        "members",
        "import",
        "test-2027",
        "--org",
        "North West",
        "north.csv",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "3 added" in done.stdout  # Bob kept: a malformed email is a warning on that field
    assert "line 3: kept, but malformed email address “bob@bad”" in done.stdout
    done = cli(
        sqlite_env,
        "members",
        "import",
        "test-2027",
        "--org",
        "Yorkshire",
        "yorks.csv",
        "--map",
        "number=Ref",
        "--map",
        "address=Street",
        cwd=tmp_path,
    )
    assert done.returncode == 0 and "2 added" in done.stdout, done.stderr
    refused(
        cli(sqlite_env, "members", "import", "test-2027", "--org", "Y", "gone.csv", cwd=tmp_path),
        "gone.csv: no such file",
    )
    done = cli(sqlite_env, "members", "duplicates", "test-2027", cwd=tmp_path)
    assert "North West NW-103 ~ Yorkshire Y-200: same name and postcode M44DD" in done.stdout

    issued = ["members", "issued", "test-2027"]
    done = cli(sqlite_env, *issued, "NW-101", "--how", "meeting", "--by", "J. Teller", cwd=tmp_path)
    assert done.returncode == 0 and "received a card by meeting" in done.stdout, done.stderr
    refused(
        cli(sqlite_env, *issued, "NW-101", "--how", "post", "--by", "J. Teller", cwd=tmp_path),
        "already received a card",
    )
    done = cli(
        sqlite_env,
        *issued,
        "NW-101",
        "--how",
        "post",
        "--by",
        "J. Teller",
        "--reissue",
        "--reason",
        "lost in the post",
        cwd=tmp_path,
    )
    assert done.returncode == 0 and "replacement card" in done.stdout, done.stderr
    (tmp_path / "meeting.csv").write_text("Member No,Org\nNW-103,\nY-999,Yorkshire\n")
    done = cli(
        sqlite_env,
        *issued,
        "--from",
        "meeting.csv",
        "--how",
        "meeting",
        "--by",
        "K. T",
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert (
        done.stderr.splitlines()[0]
        == "error: meeting.csv: 1 row(s) have problems; nothing was recorded:"
    )
    assert "line 3: There is no member Y-999 of Yorkshire" in done.stderr
    (tmp_path / "meeting.csv").unlink()
    (tmp_path / "meeting.csv").write_text("Member No,Org,Date\nNW-103,,2027-01-03\n")
    done = cli(
        sqlite_env,
        *issued,
        "--from",
        "meeting.csv",
        "--how",
        "meeting",
        "--by",
        "K. T",
        cwd=tmp_path,
    )
    assert done.returncode == 0 and "Recorded 1 card(s)" in done.stdout, done.stderr

    done = cli(
        sqlite_env,
        "members",
        "report",
        "test-2027",
        "--csv",
        "stock.csv",
        "--without-card-csv",
        "todo.csv",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    with (tmp_path / "stock.csv").open(newline="") as fh:
        stock = {row["item"]: int(row["count"]) for row in csv.DictReader(fh)}
    assert (
        stock["members without a card"] == 3  # Bob Jones, kept despite his email
        and stock["replacement cards (reissues; the lost cards stay valid)"] == 1
    )
    assert (tmp_path / "todo.csv").read_text().splitlines()[1:] == [
        "North West,NW-102,Bob Jones,bob@bad,M2 2BB",
        "Yorkshire,Y-200,Dr Jose O Brien,,M4 4DD",
        "Yorkshire,Y-201,Cara Lee,,LS1 1AA",
    ]

    cards = cli(
        sqlite_env, "tokens", "issue", "test-2027", "-n", "4", "--csv", "cards.csv", cwd=tmp_path
    )
    assert cards.returncode == 0, cards.stderr
    done = cli(
        sqlite_env,
        "members",
        "labels",
        "test-2027",
        "--out",
        "labels.pdf",
        "--only-without-card",
        cwd=tmp_path,
    )
    assert done.returncode == 0 and "Wrote 3 label(s)" in done.stdout, done.stderr
    text = pdf_text(tmp_path / "labels.pdf", 1)
    assert "Cara Lee" in text and "9 Moor Lane" in text and "Ann Smith" not in text
    with (tmp_path / "cards.csv").open(newline="") as fh:
        tokens: list[Token] = [parse(row["token"]) for row in csv.DictReader(fh)]
    for token in tokens:
        assert token.digits not in text and token.grouped not in text
    refused(
        cli(sqlite_env, "members", "labels", "test-2027", "--out", "labels.pdf", cwd=tmp_path),
        "labels.pdf already exists",
    )


@pytest.mark.parametrize(
    "command",
    [
        ("tokens", "issue"),
        ("tokens", "void"),
        ("members", "import"),
        ("members", "duplicates"),
        ("members", "issued"),
        ("members", "report"),
        ("members", "labels"),
        ("members", "merge"),
        ("members", "remove"),
        ("election", "edit"),
        ("election", "delete"),
        ("election", "costs"),
    ],
)
def test_every_command_explains_itself_with_an_example(
    sqlite_env: BallotEnv, tmp_path: Path, command: tuple[str, str]
) -> None:
    done = cli(sqlite_env, *command, "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "Example: ballotbox " + " ".join(command) in " ".join(done.stdout.split())
