"""Cards and papers in the ballot's languages, or in each member's own, on SQLite and PostgreSQL.

A ballot listing ``["cy", "en"]`` with ``title_cy`` prints Welsh first, then
English; ``tokens issue --by-format --by-language`` prints each member's card
in the language the register records (Welsh only, English only), and the
members with none get the bilingual card, on the postcard layout.  Within a
group the cards are interchangeable; ``members report`` warns about small
format × language groups.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

from sqlmodel import select

from ballotbox.services import print_runs
from ballotbox.storage import repository
from ballotbox.storage.models import BallotToken
from tests.fixtures.cli import run_cli
from tests.fixtures.elections import BallotEnv
from tests.integration.test_members_formats import POSTAL, REGISTER
from tests.unit.tokens.pdfcheck import smallest_text

SLUG = "test-2027"
WELSH_TITLE = "Etholiad y Pwyllgor Gwaith 2027 — Ŵyl"
GROUPED = re.compile(r"\b\d{4} \d{4} \d{4} \d{4} \d{4}\b(?! \d{4}\b)")  # not "2027 <token>"
NUMBERS = {"sms_number": "0770 090 0123", "phone_number": "0800 123 4567"}
EVERY_CHANNEL = {
    **POSTAL,
    "BALLOTBOX_SMS_NUMBER": NUMBERS["sms_number"],
    "BALLOTBOX_PHONE_NUMBER": NUMBERS["phone_number"],
}


def text_of(pdf: Path) -> str:
    """Every page's text, as pdftotext reads it, on one line."""
    done = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True)
    return " ".join(done.stdout.replace("\xa0", " ").split())


def welsh_first(env: BallotEnv) -> None:
    env.make_election(
        SLUG, tokens=0, open_=False, languages=["cy", "en"], title_cy=WELSH_TITLE, candidates=3
    )


def test_a_welsh_first_ballot_gives_bilingual_card_and_paper_text(ballot_env: BallotEnv) -> None:
    welsh_first(ballot_env)
    settings = ballot_env.settings.model_copy(
        update={"postal_address": "PO Box 1, Bangor", **NUMBERS}
    )
    ctx = replace(ballot_env.ctx, settings=settings)
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, SLUG)
        card = print_runs.card_info(election, settings)
        english = print_runs.card_info(election, settings, language="en")
        paper = print_runs.paper_info(election, settings)
        layouts = [print_runs.default_layout(election, ctx, code) for code in (None, "en")]
    assert (card.language, card.title) == ("cy", WELSH_TITLE)
    assert card.closes == "17:00 GMT, Dydd Sul 31 Ionawr 2027"
    assert card.also is not None and card.also.language == "en"
    assert (card.also.title, card.also.closes) == (
        f"Test election {SLUG}",
        "17:00 GMT, Sunday 31 January 2027",
    )
    assert english.also is None and english.title == f"Test election {SLUG}"
    assert paper.post_by == "Dydd Iau 28 Ionawr 2027" and paper.contests[0].title == WELSH_TITLE
    assert paper.also is not None and paper.also.post_by == "Thursday 28 January 2027"
    assert layouts == ["postcard", "business"]  # two languages need the postcard's room


def test_by_language_prints_each_members_card_in_their_language(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    welsh_first(ballot_env)
    register = tmp_path / "register.csv"
    register.write_text(REGISTER)
    done = run_cli(ballot_env, "members", "import", SLUG, str(register), "--org", "Union")
    assert done.returncode == 0, done.stderr
    cards = tmp_path / "cards.pdf"
    alone = run_cli(ballot_env, "tokens", "issue", SLUG, "--by-language", "--pdf", str(cards))
    assert alone.returncode != 0 and "give --by-format too" in alone.stderr
    issue = ("tokens", "issue", SLUG, "--by-format", "--by-language", "--pdf", str(cards))
    done = run_cli(ballot_env, *issue, extra_env=EVERY_CHANNEL)
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())
    # S1 en, S2 none, S3 cy; L1 cy, L2 none; P1 en.
    for line in (
        "standard in en: 1 card(s) in the business layout",
        "standard: 1 card(s) in the postcard layout",
        "standard in cy: 1 card(s) in the business layout",
        "large-print in cy: 1 card(s) in the a4 layout",
        "large-print: 1 card(s) in the a4 layout",
        "ballot-paper in en: 1 card(s) in the ballot-paper layout",
    ):
        assert line in out, (line, out)
    files = {p.name: text_of(p) for p in tmp_path.glob("cards-*.pdf")}
    assert sorted(files) == [
        "cards-ballot-paper-en.pdf",
        "cards-large-print-cy.pdf",
        "cards-large-print.pdf",
        "cards-standard-cy.pdf",
        "cards-standard-en.pdf",
        "cards-standard.pdf",
    ]
    english_title = f"Test election {SLUG}"
    for name in ("cards-standard-cy.pdf", "cards-large-print-cy.pdf"):  # Welsh only
        assert WELSH_TITLE in files[name] and "Ar-lein:" in files[name]
        assert english_title not in files[name] and "Online:" not in files[name]
    for name in ("cards-standard-en.pdf", "cards-ballot-paper-en.pdf"):  # English only
        assert english_title in files[name] and WELSH_TITLE not in files[name]
        assert "Ar-lein" not in files[name] and "Rhif" not in files[name]
    for name in ("cards-standard.pdf", "cards-large-print.pdf"):  # both, Welsh first
        text = files[name]
        assert text.index(WELSH_TITLE) < text.index(english_title)
        assert text.index("Ar-lein:") < text.index("Online:"), name
    tokens = [t for text in files.values() for t in set(GROUPED.findall(text))]
    assert len(tokens) == len(set(tokens)) == 6
    with ballot_env.read() as s:
        assert len(s.exec(select(BallotToken)).all()) == 6
    for path in tmp_path.glob("cards-*.pdf"):
        minimum = {"a4": 16, "ballot-paper": 12}.get(
            "ballot-paper" if "ballot-paper" in path.name else "a4" if "large" in path.name else "",
            8,
        )
        assert smallest_text(path) >= minimum, path.name

    labels = tmp_path / "labels.pdf"
    args = ("members", "labels", SLUG, "--out", str(labels), "--by-format", "--by-language")
    done = run_cli(ballot_env, *args)
    assert done.returncode == 0, done.stderr
    assert "Cai Evans" in text_of(tmp_path / "labels-standard-cy.pdf")
    assert "Bob Jones" in text_of(tmp_path / "labels-standard.pdf")
    assert "Ann Smith" in text_of(tmp_path / "labels-standard-en.pdf")


def test_report_warns_about_small_format_and_language_groups(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    welsh_first(ballot_env)
    register = tmp_path / "register.csv"
    big = "".join(f"W{n},Welsh {n},{n} Stryd,LL1 1AA,,cy\n" for n in range(12))
    register.write_text(REGISTER + big)
    assert (
        run_cli(ballot_env, "members", "import", SLUG, str(register), "--org", "U").returncode == 0
    )
    done = run_cli(ballot_env, "members", "report", SLUG)
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())
    assert "only 1 member(s) would have the standard card in English (fewer than 10)" in out
    assert "would have the standard card with no language recorded" in out
    assert "would have the large-print card in Cymraeg (fewer than 10)" in out
    # 13 Welsh standard members: a big enough group; the standard format (15) is not warned of.
    assert "standard card in Cymraeg" not in out and "have the standard card (fewer" not in out
    # A format that one language covers is warned of once, as a format.
    assert "ballot-paper card in English" not in out and "the ballot-paper card (fewer" in out


def test_a_language_nobody_speaks_is_refused_before_any_token(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    welsh_first(ballot_env)
    cards = tmp_path / "cards.pdf"
    done = run_cli(
        ballot_env, "tokens", "issue", SLUG, "-n", "2", "--language", "xx", "--pdf", str(cards)
    )
    assert done.returncode != 0 and "“xx” is not a language" in done.stderr
    assert "Traceback" not in done.stderr and not cards.exists()
    numbers = EVERY_CHANNEL
    business = run_cli(
        ballot_env,
        *("tokens", "issue", SLUG, "-n", "2", "--layout", "business", "--pdf", str(cards)),
        extra_env=numbers,
    )
    assert business.returncode != 0 and "postcard or a4" in business.stderr
    with ballot_env.read() as s:
        assert s.exec(select(BallotToken)).all() == []
    done = run_cli(
        ballot_env, "tokens", "issue", SLUG, "-n", "2", "--pdf", str(cards), extra_env=numbers
    )
    assert done.returncode == 0, done.stderr  # a bilingual ballot's default: the postcard
    text = text_of(cards)
    assert text.index(WELSH_TITLE) < text.index(f"Test election {SLUG}")
