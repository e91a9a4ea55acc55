"""A second language needs only a catalogue: no code change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ballotbox.app import create_app
from ballotbox.core import i18n
from tests.conftest import REPO
from tests.fixtures.elections import BallotEnv

WELSH = """
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Vote with your ballot token"
msgstr "Pleidleisiwch gyda'ch tocyn pleidleisio"

msgid "The token has a typing error: check the digits against your card."
msgstr "Mae gwall teipio yn y tocyn: gwiriwch y digidau yn erbyn eich cerdyn."
"""


def test_the_template_catalogue_is_current() -> None:
    pot = (REPO / "ballotbox" / "locale" / "ballotbox.pot").read_text()
    assert 'msgid "Vote with your ballot token"' in pot
    assert 'msgid "The token has a typing error: check the digits against your card."' in pot


def test_a_welsh_catalogue_translates_pages_and_errors(
    sqlite_env: BallotEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = tmp_path / "cy" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "ballotbox.po").write_text(WELSH)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "compile",
            "-d",
            str(tmp_path),
            "-D",
            "ballotbox",
            "-l",
            "cy",
        ],
        check=True,
        capture_output=True,
    )
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    sqlite_env.make_election(tokens=1)
    try:
        with TestClient(create_app(sqlite_env.settings, sqlite_env.ctx)) as client:
            english = client.get("/")
            welsh = client.get("/", headers={"accept-language": "cy-GB,cy;q=0.9,en;q=0.5"})
            error = client.post(
                "/api/v1/elections/test-2027/ballots",
                json={"token": "1" * 20, "choices": [1]},
                headers={"accept-language": "cy"},
            )
    finally:
        i18n.translations.cache_clear()
    assert "Vote with your ballot token" in english.text
    assert "Pleidleisiwch gyda" in welsh.text, welsh.text[welsh.text.find("<h1>") :][:120]
    assert error.json()["detail"].startswith("Mae gwall teipio")
