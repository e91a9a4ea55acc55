"""Every page, rendered with hostile names, titles, statements and labels: no markup from data.

Candidate names, titles and statements come from a definition; batch labels
and keyed values from tellers; none of it may ever become HTML.  Each page is
parsed and checked for anything the data tried to smuggle in (a refresh
``<meta>``, scripts, event handlers, frames, elements with the data's ids), and
for the data itself, shown as text.  A name with ``%`` also proves data is
never used as a gettext format string.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from jinja2 import nodes

from ballotbox.adapters.audit_pages.templating import templates as audit_templates
from ballotbox.adapters.postal.web_session import templates as teller_templates
from ballotbox.adapters.web.pages import templates as web_templates
from ballotbox.app import create_app
from ballotbox.core.tokens.format import Token
from ballotbox.definition import definition_from_dict
from ballotbox.services import elections, issuance, publishing, tally
from ballotbox.services.casting import cast
from ballotbox.storage import repository
from tests.fixtures.elections import OPENS, BallotEnv
from tests.unit.postal.support import PASSWORD, add_tellers, open_batch

HTML = {"accept": "text/html"}
NAMES = [
    '<meta http-equiv="refresh" content="0;url=https://evil.example">Ann',
    "<script>alert('evil')</script>Bob",
    '"><img src=x onerror=alert(1) id=evil-img>Cy',
    "100% Dee %(x)s {0} %s",
]
# A .blt file cannot hold a double quote, so the published election's data uses single ones.
PUBLISHABLE = [name.replace('"', "'") for name in NAMES]
TITLE = "<b id='evil-title'>Exec</b> & 100%"
DESCRIPTION = '<iframe src="https://evil.example/frame"></iframe>Three places'
STATEMENT = '<a id="evil-link" href="https://evil.example">vote for me</a>'
LABEL = '<i id="evil-batch">bag</i> 2'
TYPED = '"><script>alert(2)</script>'


URL_OR_ID = {"href", "src", "action", "formaction", "content", "data", "id", "http-equiv"}


class _Scan(HTMLParser):
    """Collects what a page's markup does and what its text says."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._inline_script = self._data_block = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            # Data inside an ordinary attribute value is inert; as an address or an id it is not.
            if value and "evil" in value and name in URL_OR_ID:
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in {"iframe", "object", "embed", "base", "img"}:
            self.problems.append(f"<{tag}>")
        if tag == "meta" and any(name == "http-equiv" for name, _ in attrs):
            self.problems.append("<meta http-equiv>")
        named = dict(attrs)
        self._inline_script = tag == "script" and not named.get("src")
        # A JSON data block (a script's translations) is never run; it must stay JSON.
        self._data_block = self._inline_script and named.get("type") == "application/json"

    def handle_endtag(self, tag: str) -> None:
        self._inline_script = self._data_block = False

    def handle_data(self, data: str) -> None:
        if self._data_block:
            try:
                json.loads(data)
            except ValueError:
                self.problems.append(f"broken JSON data block {data[:40]!r}")
            if "<" in data:
                self.problems.append(f"'<' in a JSON data block {data[:40]!r}")
        elif self._inline_script:
            self.problems.append(f"inline script {data[:40]!r}")
        self.text.append(data)


def assert_inert(html: str, where: str, *, shows: tuple[str, ...] = ()) -> None:
    """No markup from data in ``html``, and each of ``shows`` present as plain text."""
    scan = _Scan()
    scan.feed(html)
    assert not scan.problems, f"{where}: data became markup: {scan.problems}"
    text = re.sub(r"\s+", " ", "".join(scan.text))
    for value in shows:
        assert value in text, f"{where}: {value!r} is not shown as text"


def csrf(client: TestClient, path: str = "/") -> str:
    page = client.get(path, headers=HTML)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text[:300]
    return match.group(1)


def _make(
    env: BallotEnv,
    slug: str,
    method: str = "scottish-stv",
    names: list[str] = NAMES,
    **extra: Any,
) -> tuple[str, list[Token]]:
    """Define, issue and open an election with the hostile title, description and names."""
    doc = env.definition(slug, method, title=TITLE, description=DESCRIPTION, **extra)
    if method != "referendum":
        doc["candidates"] = [
            {"number": i + 1, "name": name, "statement": STATEMENT if i == 0 else ""}
            for i, name in enumerate(names)
        ]
    definition = definition_from_dict(doc)
    with env.session() as s:
        election = elections.create(s, env.ctx, definition)
        issued = issuance.issue(s, env.ctx, election, 4)
        env.clock.set(max(env.clock.now(), definition.opens))
        elections.open_now(s, env.ctx, election)
    return slug, issued


def _counted_election(env: BallotEnv, tmp_path: Path) -> str:
    """A hostile-named election that has closed, been counted and published."""
    opens, closes = OPENS - timedelta(days=4), OPENS - timedelta(days=2)
    slug, tokens = _make(env, "old-2026", "irv", PUBLISHABLE, seats=1, opens=opens, closes=closes)
    for token, choices in zip(tokens, [[1, 2], [2], [4, 1], [1]], strict=True):
        with env.session() as s:
            cast(s, env.ctx, token, choices, "web")
    env.clock.set(closes)
    with env.session() as s:
        elections.apply_all_due(s, env.ctx)
    with env.session() as s:
        tally.tally(s, env.ctx, repository.election_by_slug(s, slug))
    with env.session() as s:
        publishing.publish(s, env.ctx, repository.election_by_slug(s, slug), tmp_path / "bundle")
    return slug


def test_every_page_shows_hostile_data_as_text(ballot_env: BallotEnv, tmp_path: Path) -> None:
    env = ballot_env
    old = _counted_election(env, tmp_path)
    slug, tokens = _make(env, "exec-2027", seats=2)
    pick, pick_tokens = _make(env, "pick-2027", method="plurality", seats=1, max_choices=2)
    motion, motion_tokens = _make(env, "motion-2027", method="referendum")
    add_tellers(env, ann="teller", sue="supervisor", sam="supervisor")
    batch = open_batch(env, slug, 3, label=LABEL)
    names = tuple(NAMES)
    with TestClient(create_app(env.settings, env.ctx)) as client:
        home = client.get("/", headers=HTML)
        assert home.status_code == 200
        assert_inert(home.text, "home", shows=(TITLE,))
        for where, shown in ((slug, NAMES), (pick, NAMES), (old, PUBLISHABLE)):
            page = client.get(f"/elections/{where}", headers=HTML)
            assert page.status_code == 200, where
            # Before the count the first candidate's statement is shown too, as text.
            stated = (STATEMENT,) if where != old else ()
            assert_inert(page.text, f"election page {where}", shows=(TITLE, *shown, *stated))
        assert_inert(client.get(f"/elections/{motion}", headers=HTML).text, "motion page",
                     shows=(TITLE, "Yes", "Abstain"))  # fmt: skip
        for where, token in ((slug, tokens[0]), (pick, pick_tokens[0]), (motion, motion_tokens[0])):
            page = client.get(f"/v/{token.digits}", headers=HTML)
            assert page.status_code == 200, where
            stated = (STATEMENT,) if where != motion else ()
            assert_inert(page.text, f"ballot {where}", shows=(TITLE, *stated))
        ballot = client.get(f"/v/{tokens[0].digits}", headers=HTML).text
        assert_inert(ballot, "ranked ballot", shows=(*names, "vote for me"))
        form = {"csrf_token": csrf(client), "token": tokens[0].digits}
        review = client.post("/ballot/review", data={**form, "rank_1": "1", "rank_4": "2"},
                             headers=HTML)  # fmt: skip
        assert review.status_code == 200
        assert_inert(review.text, "review", shows=(names[0], names[3]))
        wrong = client.post("/ballot/review", data={**form, "rank_1": TYPED}, headers=HTML)
        assert wrong.status_code == 422
        assert_inert(wrong.text, "ballot with an error", shows=(TYPED,))
        receipt = client.post("/ballot/cast", data={**form, "choices": "1 4"}, headers=HTML)
        assert receipt.status_code == 201
        assert_inert(receipt.text, "receipt", shows=(TITLE, names[0], names[3]))
        for path in (f"/v/12{TYPED}34", f"/elections/{TYPED}", f"/elections/{TYPED}/audit"):
            error = client.get(path, headers=HTML)
            assert error.status_code in {404, 422}, path
            assert_inert(error.text, f"error page {path}")
        for page_path in ("audit", "results", "check"):
            for where in (slug, old):
                page = client.get(f"/elections/{where}/{page_path}", headers=HTML)
                assert page.status_code == 200, (where, page_path)
                assert_inert(page.text, f"{page_path} {where}", shows=(TITLE,))
        results = client.get(f"/elections/{old}/results", headers=HTML).text
        assert_inert(results, "results", shows=tuple(PUBLISHABLE))
        _teller_pages(client, slug, batch, tokens)


def _sign_in(client: TestClient, name: str) -> None:
    answer = client.post(
        "/teller/login",
        data={"csrf_token": csrf(client, "/teller/login"), "username": name, "password": PASSWORD},
        headers=HTML,
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:300]


def _key(client: TestClient, batch: int, letter: int, token: str, marks: dict[int, str]) -> str:
    data = {
        "csrf_token": csrf(client, f"/teller/batches/{batch}/key"),
        "letter": str(letter),
        "token": token,
        "spoilt": "",
        **{f"mark_{n}": v for n, v in marks.items()},
    }
    return str(client.post(f"/teller/batches/{batch}/key", data=data, headers=HTML).text)


def _teller_pages(client: TestClient, slug: str, batch: int, tokens: list) -> None:  # type: ignore[type-arg]
    login = client.get("/teller/login", headers=HTML)
    assert_inert(login.text, "teller sign-in")
    refused = client.post(
        "/teller/login",
        data={"csrf_token": csrf(client, "/teller/login"), "username": TYPED, "password": "x"},
        headers=HTML,
    )
    assert_inert(refused.text, "teller sign-in refused")
    _sign_in(client, "ann")
    assert_inert(client.get("/teller", headers=HTML).text, "teller home", shows=(TITLE, LABEL))
    assert_inert(_key(client, batch, 2, tokens[2].digits, {1: TYPED}), "keying error",
                 shows=(TYPED,))  # fmt: skip
    _key(client, batch, 2, tokens[2].digits, {1: "1", 2: "2"})
    keyed = client.get(f"/teller/batches/{batch}/key", headers=HTML).text
    assert_inert(keyed, "keying page", shows=(TITLE, LABEL, *NAMES[:3]))
    client.cookies.clear()
    _sign_in(client, "sue")
    _key(client, batch, 2, tokens[2].digits, {1: "2", 2: "1"})
    client.cookies.clear()
    _sign_in(client, "sam")
    for path in (
        "/teller/adjudication",
        f"/teller/adjudication/{batch}/2",
        f"/teller/elections/{slug}/reconciliation",
        "/teller/log",
        "/teller/batches/999/key",
    ):
        page = client.get(path, headers=HTML)
        assert page.status_code in {200, 404}, path
        assert_inert(page.text, path)
    adjudicate = client.get(f"/teller/adjudication/{batch}/2", headers=HTML).text
    assert_inert(adjudicate, "adjudication", shows=(LABEL, *NAMES[:3]))


def test_no_template_passes_data_to_gettext() -> None:
    """``_()`` is for a page's own sentences; data goes through ``phrase`` or plain ``{{ }}``."""
    found = []
    for templates in (web_templates, audit_templates, teller_templates):
        env = templates.env
        for name in env.list_templates(extensions=["html"]):
            source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
            for call in env.parse(source).find_all(nodes.Call):
                called = getattr(call.node, "name", None)
                if called in {"_", "gettext", "ngettext"} and not all(
                    isinstance(arg, nodes.Const) for arg in call.args
                ):
                    found.append(f"{name}:{call.lineno}")
    assert not found, f"data passed to gettext in {sorted(set(found))}"
