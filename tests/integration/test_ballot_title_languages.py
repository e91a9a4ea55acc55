"""The ballot's own title in the member's language: web pages, receipt, check, text and phone.

A ballot with ``title_cy`` shows that title to a member reading Welsh and the
written title to one reading English, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ballotbox.adapters.phone.simulator import call
from ballotbox.adapters.sms.simulator import send
from ballotbox.core import i18n
from ballotbox.services.casting import cast
from tests.fixtures.elections import BallotEnv
from tests.fixtures.twilio import AUTH, client_for

SLUG = "test-2027"
WELSH_TITLE = "Etholiad y Pwyllgor Gwaith 2027"
ENGLISH_TITLE = f"Test election {SLUG}"


@pytest.fixture
def twilio(ballot_env: BallotEnv) -> Iterator[TestClient]:
    ballot_env.make_election(SLUG, tokens=4, languages=["cy", "en"], title_cy=WELSH_TITLE)
    client = client_for(ballot_env)
    yield client
    client.app.state.engine.dispose()  # type: ignore[attr-defined]
    i18n.set_locale("en")


@pytest.mark.parametrize(
    "path", [f"/elections/{SLUG}", f"/elections/{SLUG}/audit", f"/elections/{SLUG}/check", "/"]
)
def test_pages_show_the_title_in_the_page_language(twilio: TestClient, path: str) -> None:
    welsh = twilio.get(path, headers={"accept-language": "cy", "accept": "text/html"})
    assert welsh.status_code == 200 and WELSH_TITLE in welsh.text
    assert ENGLISH_TITLE not in shown(welsh.text)
    english = twilio.get(path, headers={"accept-language": "en", "accept": "text/html"})
    assert ENGLISH_TITLE in english.text and WELSH_TITLE not in shown(english.text)


def shown(html: str) -> str:
    """The page without the definition's JSON (data, not words) and without its links."""
    return re.sub(r"<pre.*?</pre>", "", html, flags=re.S).replace(f"/{SLUG}", "")


def test_the_receipt_carries_the_title_in_the_language_of_the_vote(
    ballot_env: BallotEnv, twilio: TestClient
) -> None:
    first, second = ballot_env.tokens[SLUG][:2]
    with ballot_env.session() as s, i18n.using("cy"):
        assert cast(s, ballot_env.ctx, first, [1], "web").title == WELSH_TITLE
    with ballot_env.session() as s, i18n.using("en"):
        assert cast(s, ballot_env.ctx, second, [2], "web").title == ENGLISH_TITLE


def test_text_and_phone_say_the_title_in_the_members_language(
    ballot_env: BallotEnv, twilio: TestClient
) -> None:
    token = ballot_env.tokens[SLUG][2]
    welsh = " ".join(send(twilio, token.grouped, auth_token=AUTH).messages)
    assert welsh.startswith(f"{WELSH_TITLE}:") or f" {WELSH_TITLE}:" in welsh, welsh
    english = " ".join(send(twilio, f"ENGLISH {token.grouped}", auth_token=AUTH).messages)
    assert f"{ENGLISH_TITLE}:" in english and WELSH_TITLE not in english
    # 1 = Cymraeg (the ballot's primary language), 2 = English; then the token.
    said = call(twilio, f"1#{token.digits}#", auth_token=AUTH).said
    assert f"Diolch. Dyma'r bleidlais ar gyfer {WELSH_TITLE}." in said, said
    said = call(twilio, f"2#{token.digits}#", auth_token=AUTH).said
    assert f"Thank you. This is the ballot for {ENGLISH_TITLE}." in said, said
