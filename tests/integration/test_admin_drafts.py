"""The console's draft form, delete and TOML export, over HTTP on SQLite and PostgreSQL.

The form is checked by the TOML's validation, with every problem beside its
field; a good form stores exactly what the equivalent TOML does; nothing that
changes the commitment can be edited once cards exist; the export is read
back by ``ballotbox election create``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ballotbox.app import create_app
from ballotbox.core.audit.chain import document_hash
from ballotbox.definition import parse_definition
from ballotbox.services.elections import definition_document
from ballotbox.storage import repository
from ballotbox.storage.models_actions import OfficerAction
from tests.fixtures.admin import add_officer, csrf, sign_in
from tests.fixtures.cli import run_cli
from tests.fixtures.elections import BallotEnv

HTML = {"accept": "text/html"}
NEW = "/admin/ballots/new/form"

#: A two-contest ballot with every field, as TOML …
TOML = """\
slug = "form-2027"
title = "Branch ballot 2027"
title_cy = "Pleidlais y gangen 2027"
description = "Officers and a motion."
opens = 2027-01-10T09:00:00Z
closes = 2027-06-30T16:00:00Z
timezone = "Europe/London"
channels = ["web", "sms", "postal"]
languages = ["en", "cy"]
sms_transliterate = false
tie_seed = "form-test-seed"

[[contests]]
key = "A"
title = "Committee"
title_cy = "Pwyllgor"
description = "Two seats."
method = "scottish-stv"
seats = 2
group_minimums = [{group = "women", minimum = 1}]

[[contests.candidates]]
number = 1
name = "Ann Example"
statement = "Line one.\\nLine two."
url = "https://example.org/ann"
group = "women"

[[contests.candidates]]
number = 2
name = "Bob Example"

[[contests.candidates]]
number = 3
name = "Cat Example"
group = "women"

[[contests]]
key = "B"
title = "Motion 1"
method = "referendum"
threshold = "2/3"
abstentions_count = true
"""

#: … and as the form's fields (times in the ballot's zone: 17:00 BST is 16:00 UTC).
FORM: dict[str, object] = {
    "slug": "form-2027",
    "title": "Branch ballot 2027",
    "title-cy": "Pleidlais y gangen 2027",
    "description": "Officers and a motion.",
    "timezone": "Europe/London",
    "opens": "2027-01-10 09:00",
    "closes": "2027-06-30 17:00",
    "channels": ["web", "sms", "postal"],
    "languages": "en, cy",
    "tie_seed": "form-test-seed",
    "c0-key": "A",
    "c0-title": "Committee",
    "c0-title-cy": "Pwyllgor",
    "c0-description": "Two seats.",
    "c0-method": "scottish-stv",
    "c0-seats": "2",
    "c0-threshold": "1/2",
    "c0-k0-number": "1",
    "c0-k0-name": "Ann Example",
    "c0-k0-statement": "Line one.\r\nLine two.",
    "c0-k0-url": "https://example.org/ann",
    "c0-k0-group": "women",
    "c0-k1-number": "2",
    "c0-k1-name": "Bob Example",
    "c0-k2-number": "3",
    "c0-k2-name": "Cat Example",
    "c0-k2-group": "women",
    "c0-k3-number": "4",  # an empty row: ignored
    "c0-k3-name": "",
    "c0-g0-group": "women",
    "c0-g0-minimum": "1",
    "c1-key": "B",
    "c1-title": "Motion 1",
    "c1-method": "referendum",
    "c1-seats": "1",
    "c1-threshold": "2/3",
    "c1-abstentions_count": "true",
    "c1-k0-number": "1",
    "c1-k0-name": "",
}


@pytest.fixture
def env(ballot_env: BallotEnv) -> BallotEnv:
    ballot_env.make_election("test-2027", tokens=3, open_=False)
    return ballot_env


@pytest.fixture
def officer(env: BallotEnv) -> Iterator[TestClient]:
    secret = add_officer(env, "ro")
    with TestClient(create_app(env.settings, env.ctx), headers=HTML) as c:
        assert sign_in(c, env, "ro", secret).status_code == 303
        yield c


def post(c: TestClient, path: str, fields: Mapping[str, object], page: str = NEW) -> httpx.Response:
    answer: httpx.Response = c.post(
        path, data={"csrf_token": csrf(c, page), **fields}, follow_redirects=False
    )
    return answer


class _Fields(HTMLParser):
    """The fields a browser would send for a page's form (no button pressed)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._open: tuple[str, str] | None = None  # (tag, name) of a textarea or select

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") != "hidden":
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields.setdefault(name, []).append(a.get("value", ""))
        elif tag in ("textarea", "select") and name:
            self._open = (tag, name)
            if tag == "textarea":
                self.fields[name] = [""]
        elif tag == "option" and self._open and "selected" in a:
            self.fields[self._open[1]] = [a.get("value", "")]

    def handle_data(self, data: str) -> None:
        if self._open and self._open[0] == "textarea":
            self.fields[self._open[1]][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("textarea", "select"):
            self._open = None


def fields_of(page: str) -> dict[str, list[str]]:
    """What submitting ``page``'s form unchanged would send."""
    parser = _Fields()
    parser.feed(page)
    return parser.fields


def stored(env: BallotEnv, slug: str) -> dict[str, object]:
    with env.read() as s:
        return definition_document(repository.election_by_slug(s, slug))


def error_beside(page: str, field_id: str) -> str:
    """The message shown beside a field (its id-error paragraph), unescaped."""
    found = re.search(rf'<p class="error-message" id="{re.escape(field_id)}-error">(.*?)</p>', page)
    assert found, f"no error beside {field_id}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_every_problem_of_a_bad_form_is_shown_beside_its_field_at_once(
    env: BallotEnv, officer: TestClient
) -> None:
    bad = {
        **FORM,
        "slug": "Bad Slug",
        "title": "",
        "timezone": "Mars/Olympus",
        "opens": "next Tuesday",
        "closes": "2027-02-30 09:00",
        "channels": [],
        "languages": "en, xx",
        "c0-key": "a",
        "c0-title-cy": "",
        "c0-seats": "two",
        "c0-k0-url": "example.org",
        "c0-k1-number": "1",
        "c0-g0-minimum": "3",
        "c1-method": "irv",
        "c1-seats": "2",
    }
    page = post(officer, NEW, bad)
    assert page.status_code == 422
    text = page.text
    expected = {
        "slug": "use 2-63 lower-case letters",
        "title": "cannot be empty",
        "timezone": "not a time zone name",
        "opens": "write the date and time as 2027-03-01 09:00",
        "closes": "there is no such date or time",
        "channels": "cannot be empty",
        "languages": "“xx” is not a language",
        "c0-key": "use one capital letter",
        "c0-seats": "write a whole number",
        "c0-k0-url": "must be an http:// or https:// address",
        "c1-seats": "irv fills exactly one seat",
        "c1-candidates": "at least two are needed",
    }
    for field_id, message in expected.items():
        assert message in error_beside(text, field_id), field_id
        assert f'href="#{field_id}"' in text, field_id  # the summary links to the field
        assert f'id="{field_id}"' in text
    assert 'aria-invalid="true"' in text and "There is a problem" in text
    summary = html.unescape(text.split("</ul>")[0])
    assert "Contest a, candidate row 1: web address: must be an http://" in summary
    assert "Voting opens: write the date and time as 2027-03-01 09:00" in summary
    # The form keeps what was typed, so one edit fixes everything.
    assert 'value="Bad Slug"' in text and 'value="next Tuesday"' in text
    with env.read() as s:
        assert repository.find_election(s, "form-2027") is None
        assert repository.find_election(s, "Bad Slug") is None
    # Problems found once the fields are valid (whole-contest rules) are beside their fields too.
    fixed = {**FORM, "c0-k1-number": "1", "c0-g0-minimum": "3", "c1-key": "A"}
    second = post(officer, NEW, fixed)
    assert second.status_code == 422
    assert "two contests have the same key" in error_beside(second.text, "contests")
    assert "two candidates have the same number" in error_beside(second.text, "c0-candidates")
    assert "3 from “women” is impossible" in error_beside(second.text, "c0-group_minimums")


def test_a_good_form_stores_what_the_equivalent_toml_does(
    env: BallotEnv, officer: TestClient
) -> None:
    made = post(officer, NEW, FORM)
    assert made.status_code == 303, made.text
    assert made.headers["location"] == "/admin/ballots/form-2027?done=created"
    want = parse_definition(TOML).document()
    assert stored(env, "form-2027") == want
    with env.read() as s:
        election = repository.election_by_slug(s, "form-2027")
        assert election.id is not None
        created = repository.log_entries(s, election.id)[0]
    assert created.kind == "created"
    assert document_hash(want) in created.payload  # the same definition hash the TOML gives
    # The ballot's page offers the export, the edit and the delete; the export is the TOML's.
    page = officer.get("/admin/ballots/form-2027").text
    for link in ("definition.toml", "/edit", "/delete", "/costs"):
        assert f'href="/admin/ballots/form-2027{link if link[0] == "/" else "/" + link}"' in page
    exported = officer.get("/admin/ballots/form-2027/definition.toml")
    assert exported.headers["content-disposition"] == 'attachment; filename="form-2027.toml"'
    assert parse_definition(exported.text).document() == want


def test_a_large_ballot_fits_the_form(env: BallotEnv, officer: TestClient) -> None:
    big: dict[str, object] = {k: v for k, v in FORM.items() if not re.match(r"c0-k\d", k)}
    for j in range(300):
        big[f"c0-k{j}-number"] = str(j + 1)
        big[f"c0-k{j}-name"] = f"Candidate {j + 1}"
        big[f"c0-k{j}-statement"] = "A statement of some length, " * 12
    big["c0-k0-group"] = big["c0-k1-group"] = "women"
    made = post(officer, NEW, big)
    assert made.status_code == 303, made.text[:300]
    assert len(stored(env, "form-2027")["contests"][0]["candidates"]) == 300  # type: ignore[index]


def test_rows_are_added_and_removed_without_javascript_and_nothing_is_stored(
    env: BallotEnv, officer: TestClient
) -> None:
    empty = officer.get(NEW).text
    assert 'id="c0-k2-name"' in empty and 'id="c0-k3-name"' not in empty
    more = post(officer, NEW, {**FORM, "action": "add-candidate-0"})
    assert more.status_code == 200 and 'id="c0-k4-name"' in more.text
    assert 'name="c0-k4-number" value="5"' in more.text  # numbered after the last
    fewer = post(officer, NEW, {**FORM, "action": "remove-candidate-0-1"})
    assert "Bob Example" not in fewer.text and "Cat Example" in fewer.text
    third = post(officer, NEW, {**FORM, "action": "add-contest"})
    assert 'id="c2-key"' in third.text and 'name="c2-key" value="C"' in third.text
    gone = post(officer, NEW, {**FORM, "action": "remove-contest-1"})
    assert 'id="c1-key"' not in gone.text and "Motion 1" not in gone.text
    group = post(officer, NEW, {**FORM, "action": "add-group-0"})
    assert 'id="c0-g1-group"' in group.text
    assert "There is a problem" not in third.text  # adding a row is not a save
    hostile = '"><script>alert(1)</script>'
    shown = post(officer, NEW, {**FORM, "c0-k0-name": hostile, "action": "add-group-0"})
    assert hostile not in shown.text and "&#34;&gt;&lt;script&gt;alert(1)" in shown.text
    with env.read() as s:
        assert repository.find_election(s, "form-2027") is None


def test_a_draft_is_edited_until_cards_are_issued_then_refused(
    env: BallotEnv, officer: TestClient
) -> None:
    assert post(officer, NEW, FORM).status_code == 303
    edit = "/admin/ballots/form-2027/edit"
    form_page = officer.get(edit).text
    assert 'value="2027-06-30 17:00"' in form_page  # shown in the ballot's zone (BST)
    assert 'id="slug"' not in form_page  # the slug is shown, not editable
    before = stored(env, "form-2027")
    again = post(officer, edit, fields_of(form_page), page=edit)  # saved unchanged
    assert again.status_code == 303 and stored(env, "form-2027") == before
    changed = {**FORM, "title": "Branch ballot 2027 (corrected)", "slug": "another-slug"}
    saved = post(officer, edit, changed, page=edit)
    assert saved.headers["location"] == "/admin/ballots/form-2027?done=edited"
    document = stored(env, "form-2027")
    assert document["title"] == "Branch ballot 2027 (corrected)" and document["slug"] == "form-2027"
    bad = post(officer, edit, {**FORM, "c0-seats": "0"}, page=edit)
    assert bad.status_code == 422 and "greater than or equal to 1" in error_beside(
        bad.text, "c0-seats"
    )

    issued = post(officer, "/admin/ballots/form-2027/cards", {"count": "2"}, page=edit)
    assert issued.status_code == 303
    locked = officer.get(edit).text
    assert "This ballot can no longer be edited" in locked and "2 ballot token(s)" in locked
    assert (
        "<fieldset disabled>" in locked
        and 'value="save">Save the draft' not in locked.split("hidden")[-1]
    )
    refused = post(officer, edit, {**FORM, "title": "Too late"}, page="/admin")
    assert refused.status_code == 409 and "cannot be edited" in refused.text
    assert stored(env, "form-2027")["title"] == "Branch ballot 2027 (corrected)"
    with env.read() as s:
        actions = [e.action for e in s.exec(select(OfficerAction)).all() if e.slug == "form-2027"]
    assert actions.count("draft_edited") == 2  # unchanged, then corrected


def test_a_draft_is_deleted_after_confirmation_and_a_ballot_with_cards_is_not(
    env: BallotEnv, officer: TestClient
) -> None:
    assert post(officer, NEW, FORM).status_code == 303
    ask = officer.get("/admin/ballots/form-2027/delete").text
    assert "Yes, delete the draft" in ask and "0 member(s)" in ask
    done = post(officer, "/admin/ballots/form-2027/delete", {}, page="/admin")
    assert done.headers["location"] == "/admin?done=deleted"
    assert "The draft is deleted" in officer.get("/admin?done=deleted").text
    with env.read() as s:
        assert repository.find_election(s, "form-2027") is None
        logged = s.exec(select(OfficerAction).where(OfficerAction.action == "draft_deleted")).one()
    assert logged.actor == "ro" and logged.slug == "form-2027"
    locked = officer.get("/admin/ballots/test-2027/delete").text
    assert "It cannot be deleted" in locked and "Yes, delete" not in locked
    refused = post(officer, "/admin/ballots/test-2027/delete", {}, page="/admin")
    assert refused.status_code == 409
    with env.read() as s:
        assert repository.find_election(s, "test-2027") is not None


def test_a_one_contest_ballot_is_edited_in_its_own_form(
    env: BallotEnv, officer: TestClient
) -> None:
    single = "\n".join(
        line for line in TOML.split("[[contests]]")[0].splitlines() if "title_cy" not in line
    ) + '\nmethod = "irv"\n' + "".join(
        f'[[candidates]]\nnumber = {n}\nname = "Person {n}"\n' for n in (1, 2, 3)
    )  # fmt: skip
    made = post(officer, "/admin/ballots", {"definition": single}, page="/admin/ballots/new")
    assert made.status_code == 303, made.text
    edit = "/admin/ballots/form-2027/edit"
    page = officer.get(edit).text
    assert 'name="c0-title" value=""' in page  # it follows the ballot's title
    sent = {**fields_of(page), "title": ["Renamed ballot"]}
    assert post(officer, edit, sent, page=edit).status_code == 303
    document = stored(env, "form-2027")
    assert document["title"] == "Renamed ballot" and "contests" not in document
    assert document == {**parse_definition(single).document(), "title": "Renamed ballot"}


def test_the_toml_export_round_trips_through_election_create(
    env: BallotEnv, officer: TestClient, tmp_path: Path
) -> None:
    assert post(officer, NEW, FORM).status_code == 303
    before = stored(env, "form-2027")
    path = tmp_path / "exported.toml"
    path.write_bytes(officer.get("/admin/ballots/form-2027/definition.toml").content)
    assert post(officer, "/admin/ballots/form-2027/delete", {}, page="/admin").status_code == 303
    made = run_cli(env, "election", "create", str(path))
    assert made.returncode == 0, made.stderr
    assert stored(env, "form-2027") == before
    # The one-contest form of an older ballot exports as it is stored, too.
    legacy = officer.get("/admin/ballots/test-2027/definition.toml").text
    assert "[[contests]]" not in legacy and "[[candidates]]" in legacy
    assert parse_definition(legacy).document() == stored(env, "test-2027")
