"""The console's register pages over HTTP, on SQLite and PostgreSQL: upload, preview (which
stores nothing), confirm; encodings reported or refused; re-imports that remove members only
when that box is ticked; the duplicates review (merge, remove, with the reason logged).
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from ballotbox.app import create_app
from ballotbox.services import elections, register_uploads
from ballotbox.services import issuance_register as registry
from ballotbox.storage import repository
from ballotbox.storage.models_actions import OfficerAction
from ballotbox.storage.models_members import RegisteredMember
from tests.fixtures.admin import add_officer, csrf, sign_in
from tests.fixtures.elections import CLOSES, BallotEnv

SLUG = "test-2027"
PAGE = f"/admin/ballots/{SLUG}/registers"
UPLOAD = f"/admin/uploads/{SLUG}/register"
# Excel's "Unicode Text": UTF-16 with a byte-order mark, TAB-separated; one bad row, two warnings.
NORTH = (
    "Membership No\tFull Name\tEmail\tMobile\tBranch\n"
    "NW-1\tJosé Müller\tjose@example.org\t07700 900123\tNorth\n"
    "NW-2\tAnn Lee\tann@bad\t\tNorth\n"
    "\tNo Number\t\t\tNorth\n"
    "NW-3\tDr Jose Muller\tjose@example.org\tcall me\tNorth\n"
)


@pytest.fixture
def env(ballot_env: BallotEnv) -> BallotEnv:
    ballot_env.make_election(SLUG, tokens=3, open_=False)
    return ballot_env


def client(env: BallotEnv) -> TestClient:
    return TestClient(create_app(env.settings, env.ctx), headers={"accept": "text/html"})


@pytest.fixture
def officer(env: BallotEnv) -> Iterator[TestClient]:
    secret = add_officer(env, "ro")
    with client(env) as c:
        assert sign_in(c, env, "ro", secret).status_code == 303
        yield c


def stored(env: BallotEnv) -> list[tuple[str, str, str, str]]:
    with env.read() as s:
        rows = s.exec(select(RegisteredMember)).all()
        return sorted((m.org, m.number, m.name, m.email) for m in rows)


def logged(env: BallotEnv) -> list[tuple[str, str, str]]:
    with env.read() as s:
        rows = s.exec(select(OfficerAction).order_by(col(OfficerAction.id))).all()
        return [(a.actor, a.action, a.detail) for a in rows if a.slug == SLUG]


def upload(
    c: TestClient, data: bytes, org: str = "North West", name: str = "north.txt"
) -> httpx.Response:
    answer: httpx.Response = c.post(
        UPLOAD,
        data={"csrf_token": csrf(c, PAGE), "org": org},
        files={"file": (name, data, "text/plain")},
        follow_redirects=False,
    )
    return answer


def preview(c: TestClient, data: bytes, **kw: str) -> tuple[str, httpx.Response]:
    """Upload, follow to the preview; returns the preview's address and page."""
    sent = upload(c, data, **kw)
    assert sent.status_code == 303, sent.text[:2000]
    where = sent.headers["location"]
    assert re.fullmatch(rf"{PAGE}/uploads/[0-9a-f]{{32}}", where)
    page = c.get(where)
    assert page.status_code == 200
    return where, page


def confirm(c: TestClient, where: str, page: str, **extra: str) -> httpx.Response:
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', page)
    assert digest is not None
    answer: httpx.Response = c.post(
        f"{where}/import",
        data={"csrf_token": csrf(c, PAGE), "digest": digest.group(1), **extra},
        follow_redirects=False,
    )
    return answer


def waiting_uploads(env: BallotEnv) -> list[str]:
    folder = register_uploads.folder(env.ctx)
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_utf16_register_is_previewed_storing_nothing_then_imported(
    env: BallotEnv, officer: TestClient
) -> None:
    where, page = preview(officer, NORTH.encode("utf-16"))
    text = page.text
    assert "UTF-16 little-endian (Excel Unicode Text)" in text
    assert "<li>Branch</li>" in text  # the column not imported is listed
    assert re.search(r"New members</th><td>3<", text)
    assert '<td>4</td><td class="text">missing membership number</td>' in text
    # A bad email and a bad phone are warnings on that field; the member is kept.
    assert re.search(r"<td>3</td><td class=\"text\">NW-2</td><td class=\"text\">email</td>", text)
    assert "malformed email address “ann@bad”" in text
    assert "malformed phone number “call me”" in text
    assert "Import 3 member(s) for North West" in text
    assert stored(env) == []  # the preview stored nothing
    assert [n.rsplit(".", 1)[1] for n in waiting_uploads(env)] == ["csv", "json"]
    for name in waiting_uploads(env):  # the kept file is the server's alone
        path = register_uploads.folder(env.ctx) / name
        assert path.stat().st_mode & 0o077 == 0

    done = confirm(officer, where, text)
    assert done.headers["location"] == f"{PAGE}?done=imported"
    assert stored(env) == [
        ("North West", "NW-1", "José Müller", "jose@example.org"),  # decoded, not mojibake
        ("North West", "NW-2", "Ann Lee", "ann@bad"),  # kept despite the bad email
        ("North West", "NW-3", "Dr Jose Muller", "jose@example.org"),
    ]
    assert waiting_uploads(env) == []  # deleted once the import committed
    [entry] = logged(env)
    assert entry[:2] == ("ro", "register_imported")
    assert entry[2].startswith("North West: 3 added, 0 updated, 0 unchanged, 0 removed, 1 rows")
    listing = officer.get(f"{PAGE}?done=imported").text
    assert "The register is imported." in listing and "3 members on the registers" in listing
    assert officer.get(where, follow_redirects=False).status_code == 404  # used up


def test_a_windows_1252_register_is_read_as_such(env: BallotEnv, officer: TestClient) -> None:
    data = "Member No;Name;Post code\nW1;Siân Béal;cf10 1aa\n".encode("cp1252")
    where, page = preview(officer, data, org="Cymru", name="cymru.csv")
    assert "<dd>Windows-1252</dd>" in page.text
    assert confirm(officer, where, page.text).status_code == 303
    with env.read() as s:
        [member] = s.exec(select(RegisteredMember)).all()
    assert (member.name, member.postcode) == ("Siân Béal", "CF10 1AA")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7\n\x00\x01\x02binary", "this is a PDF document, not CSV text"),
        ("No,Name\n1,Ann\n".encode("utf-16-le"), "UTF-16 text without a byte-order mark"),
        (b"Membership No,Name\n1,Ann\n2,B\x81ob\n", "not UTF-8 or Windows-1252 text"),
        (b"Name,Email\nAnn,a@example.org\n", "no membership number column"),
    ],
    ids=["pdf", "utf16-no-bom", "undecodable", "no-number-column"],
)
def test_a_file_that_cannot_be_read_is_refused_with_the_reason_and_nothing_kept(
    env: BallotEnv, officer: TestClient, data: bytes, reason: str
) -> None:
    refused = upload(officer, data, name="register.csv")
    assert refused.status_code == 422
    assert "There is a problem" in refused.text and reason in refused.text
    assert "register.csv" in refused.text
    assert stored(env) == [] and waiting_uploads(env) == [] and logged(env) == []


def test_an_upload_needs_a_file_and_an_organisation(env: BallotEnv, officer: TestClient) -> None:
    no_org = upload(officer, b"No,Name\n1,A\n", org="  ")
    assert no_org.status_code == 422 and "Give the organisation" in no_org.text
    no_file = officer.post(
        UPLOAD, data={"csrf_token": csrf(officer, PAGE), "org": "X"}, follow_redirects=False
    )
    assert no_file.status_code == 422 and "Choose the register file" in no_file.text
    assert waiting_uploads(env) == []


def test_removing_missing_members_needs_the_box_ticked_and_is_logged(
    env: BallotEnv, officer: TestClient
) -> None:
    where, page = preview(officer, b"Member No,Name\nA1,Ann\nA2,Bob\nA3,Cy\n", org="Branch")
    assert confirm(officer, where, page.text).status_code == 303
    corrected = b"Member No,Name\nA1,Ann Smith\n"
    where, page = preview(officer, corrected, org="Branch")
    assert "2 member(s) already on Branch&#39;s register are not in this file" in page.text
    assert re.search(r"Changed members</th><td>1<", page.text)
    assert 'name="remove_missing"' in page.text
    assert confirm(officer, where, page.text).status_code == 303  # box not ticked: kept
    assert [m[1:3] for m in stored(env)] == [("A1", "Ann Smith"), ("A2", "Bob"), ("A3", "Cy")]
    where, page = preview(officer, corrected, org="Branch")
    done = confirm(officer, where, page.text, remove_missing="true")
    assert done.status_code == 303
    assert [m[1] for m in stored(env)] == ["A1"]
    actions = [(a, d) for _who, a, d in logged(env)]
    assert ("members_removed", "Branch: 2 not in the re-imported register: A2, A3") in actions
    assert actions[-1][0] == "register_imported" and "2 removed" in actions[-1][1]


def test_a_member_given_a_card_blocks_removing_the_missing_and_nothing_is_imported(
    env: BallotEnv, officer: TestClient
) -> None:
    where, page = preview(officer, b"Member No,Name\nA1,Ann\nA2,Bob\n", org="Branch")
    confirm(officer, where, page.text)
    with env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        member = registry.find_member(s, election, "A2")
        handout = registry.Handout(how="post", by="J. Teller", on=date(2027, 1, 4))
        registry.record_issue(s, env.ctx, election, member, handout)
    where, page = preview(officer, b"Member No,Name\nA1,Ann Lee\n", org="Branch")
    assert "given a card: cannot be removed" in page.text
    refused = confirm(officer, where, page.text, remove_missing="true")
    assert refused.status_code == 409 and "it cannot be removed" in refused.text
    assert [m[1:3] for m in stored(env)] == [("A1", "Ann"), ("A2", "Bob")]  # nothing imported
    assert len(waiting_uploads(env)) == 2  # the upload is still there to import without removing


def test_a_preview_overtaken_by_another_change_is_not_imported(
    env: BallotEnv, officer: TestClient
) -> None:
    where, page = preview(officer, b"Member No,Name\nA1,Ann\n", org="Branch")
    other, other_page = preview(officer, b"Member No,Name\nA1,Ann\nA2,Bob\n", org="Branch")
    assert confirm(officer, other, other_page.text).status_code == 303
    stale = confirm(officer, where, page.text, remove_missing="true")
    assert stale.status_code == 409 and "changed since this preview" in stale.text
    assert re.search(r"Unchanged members</th><td>1<", stale.text)  # the new preview
    assert [m[1] for m in stored(env)] == ["A1", "A2"]  # A2 was not removed


def test_two_confirmations_at_once_import_once_and_the_other_is_told(
    env: BallotEnv, officer: TestClient
) -> None:
    where, page = preview(officer, b"Member No,Name\nA1,Ann\nA2,Bob\n", org="Branch")
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', page.text)
    assert digest is not None
    sent = {"csrf_token": csrf(officer, PAGE), "digest": digest.group(1)}
    twin = client(env)
    twin.cookies = officer.cookies
    start = threading.Barrier(2)

    def press(c: TestClient) -> httpx.Response:
        start.wait()
        answer: httpx.Response = c.post(f"{where}/import", data=sent, follow_redirects=False)
        return answer

    with twin, ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(press, [officer, twin]))
    codes = sorted(a.status_code for a in answers)
    assert codes[0] == 303 and codes[1] in (404, 409), [a.text[:300] for a in answers]
    assert [m[1] for m in stored(env)] == ["A1", "A2"]
    assert [a for _who, a, _d in logged(env) if a == "register_imported"] == ["register_imported"]


def test_an_upload_is_only_for_the_officer_and_ballot_it_was_made_for(
    env: BallotEnv, officer: TestClient
) -> None:
    where, page = preview(officer, b"Member No,Name\nA1,Ann\n", org="Branch")
    secret = add_officer(env, "ro2")
    with client(env) as other:
        assert sign_in(other, env, "ro2", secret).status_code == 303
        assert other.get(where).status_code == 404
        assert confirm(other, where, page.text).status_code == 404
    env.make_election("other-2027", tokens=0, open_=False)
    moved = where.replace(SLUG, "other-2027")
    assert officer.get(moved).status_code == 404
    assert officer.get(f"{PAGE}/uploads/..%2f..%2fkeys").status_code == 404
    assert stored(env) == []
    env.clock.advance(register_uploads.UPLOAD_TTL)
    gone = confirm(officer, where, page.text)
    assert gone.status_code == 404 and "Upload the file again" in gone.text
    assert waiting_uploads(env) == []  # expired uploads are deleted


def test_cancelling_deletes_the_upload(env: BallotEnv, officer: TestClient) -> None:
    where, _page = preview(officer, b"Member No,Name\nA1,Ann\n", org="Branch")
    done = officer.post(
        f"{where}/cancel", data={"csrf_token": csrf(officer, PAGE)}, follow_redirects=False
    )
    assert done.headers["location"] == f"{PAGE}?done=cancelled"
    assert waiting_uploads(env) == [] and stored(env) == []


DUPLICATED = (
    "Member No,Name,Email,Postcode\n"
    "N1,Ann Lee,,M1 1AA\nN2,Ann Lee,ann@example.org,m11aa\nN3,Bob Roe,,\n"
    'N4,=HYPERLINK("http://x"),,\n'
)
SOUTH = "Member No,Name,Email\nS9,Bob Roe,bob@example.org\nN4,Other,\n"


def ids(env: BallotEnv) -> dict[tuple[str, str], int]:
    with env.read() as s:
        return {(m.org, m.number): m.id or 0 for m in s.exec(select(RegisteredMember)).all()}


def _post(c: TestClient, path: str, **data: str) -> httpx.Response:
    answer: httpx.Response = c.post(
        path, data={"csrf_token": csrf(c, PAGE), **data}, follow_redirects=False
    )
    return answer


def test_duplicates_are_merged_and_removed_with_the_reason_logged(
    env: BallotEnv, officer: TestClient
) -> None:
    for data, org in ((DUPLICATED, "North"), (SOUTH, "South")):
        where, page = preview(officer, data.encode(), org=org)
        assert confirm(officer, where, page.text).status_code == 303
    review = officer.get(f"{PAGE}/duplicates")
    assert review.status_code == 200
    assert "same name and postcode M11AA" in review.text
    assert "same membership number N4" in review.text
    assert "Merge group 1" in review.text and "Remove from group 2" in review.text
    assert "Review 2 possible duplicate(s)" in officer.get(PAGE).text
    exported = officer.get(f"{PAGE}/duplicates.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][:4] == ["group", "id", "org", "number"]
    assert '\'=HYPERLINK("http://x")' in [r[4] for r in rows]  # defused, not a formula

    key = ids(env)
    no_reason = _post(
        officer,
        f"{PAGE}/merge",
        keep=str(key["North", "N1"]),
        drop=str(key["North", "N2"]),
        reason="  ",
    )
    assert no_reason.status_code == 422 and "Give a reason" in no_reason.text
    assert len(stored(env)) == 6
    merged = _post(
        officer,
        f"{PAGE}/merge",
        keep=str(key["North", "N1"]),
        drop=str(key["North", "N2"]),
        reason="Same person, old email",
    )
    assert merged.headers["location"] == f"{PAGE}/duplicates?done=merged"
    removed = _post(
        officer, f"{PAGE}/remove", member=str(key["South", "N4"]), reason="Not a member of South"
    )
    assert removed.headers["location"] == f"{PAGE}/duplicates?done=removed"
    assert stored(env) == [
        ("North", "N1", "Ann Lee", "ann@example.org"),  # blanks filled from the merged record
        ("North", "N3", "Bob Roe", ""),
        ("North", "N4", '=HYPERLINK("http://x")', ""),
        ("South", "S9", "Bob Roe", "bob@example.org"),
    ]
    actions = {a: (who, d) for who, a, d in logged(env)}
    assert actions["member_merged"][0] == "ro"
    assert actions["member_merged"][1].endswith(": Same person, old email")
    assert actions["member_removed"] == (
        "ro",
        f"South N4 (Other), id {key['South', 'N4']}: Not a member of South",
    )
    after = officer.get(f"{PAGE}/duplicates?done=removed").text
    assert "The record is removed" in after and "No one appears to be listed twice." in after


def test_a_member_with_a_card_is_not_removed_and_the_page_says_why(
    env: BallotEnv, officer: TestClient
) -> None:
    where, page = preview(officer, DUPLICATED.encode(), org="North")
    confirm(officer, where, page.text)
    with env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        member = registry.find_member(s, election, "N2")
        handout = registry.Handout(how="meeting", by="J. Teller", on=date(2027, 1, 4))
        registry.record_issue(s, env.ctx, election, member, handout)
    assert '<td class="text">given</td>' in officer.get(f"{PAGE}/duplicates").text
    refused = _post(officer, f"{PAGE}/remove", member=str(ids(env)["North", "N2"]), reason="dup")
    assert refused.status_code == 409 and "it cannot be removed" in refused.text
    assert len(stored(env)) == 4


def test_a_scrutineer_reads_the_registers_and_duplicates_but_changes_nothing(
    env: BallotEnv, officer: TestClient
) -> None:
    where, page = preview(officer, DUPLICATED.encode(), org="North")
    confirm(officer, where, page.text)
    secret = add_officer(env, "sam", "scrutineer")
    with client(env) as sam:
        assert sign_in(sam, env, "sam", secret).status_code == 303
        overview = sam.get(PAGE)
        assert overview.status_code == 200 and "North" in overview.text
        assert "Import a register" not in overview.text and "/admin/uploads/" not in overview.text
        review = sam.get(f"{PAGE}/duplicates")
        assert review.status_code == 200 and "Ann Lee" in review.text
        assert '<form method="post" action="/admin/ballots' not in review.text
        assert sam.get(f"{PAGE}/duplicates.csv").status_code == 200
        assert sam.get(where).status_code == 403
    tokens = env.tokens[SLUG]
    for text in (overview.text, review.text, page.text):  # no page here shows a token
        assert not any(t.digits[:10] in text.replace(" ", "") for t in tokens)


def test_a_members_card_format_and_language_change_with_a_reason(
    env: BallotEnv, officer: TestClient
) -> None:
    where, page = preview(officer, b"Member No,Name\nA1,Ann\n", org="Branch")
    confirm(officer, where, page.text)
    found = officer.get(f"{PAGE}/find", params={"number": "A1"}, follow_redirects=False)
    member_page = found.headers["location"]
    assert member_page == f"{PAGE}/members/{ids(env)['Branch', 'A1']}"
    unknown = officer.get(f"{PAGE}/find", params={"number": "Z9"})
    assert unknown.status_code == 404 and "Z9" in unknown.text
    same = _post(officer, member_page, card_format="standard", language="", reason="x")
    assert same.status_code == 422 and "Nothing to change" in same.text
    bad = _post(officer, member_page, card_format="huge", language="", reason="asked")
    assert bad.status_code == 422
    done = _post(officer, member_page, card_format="large-print", language="cy", reason="Asked")
    assert done.headers["location"] == f"{PAGE}?done=changed"
    with env.read() as s:
        [member] = s.exec(select(RegisteredMember)).all()
    assert (member.card_format, member.language) == ("large-print", "cy")
    assert any(a == "member_changed" and d.endswith(": Asked") for _w, a, d in logged(env))


def test_the_registers_freeze_when_voting_closes(env: BallotEnv) -> None:
    env.clock.set(env.clock.now() + timedelta(days=6))
    with env.session() as s:
        elections.open_now(s, env.ctx, repository.election_by_slug(s, SLUG))
    env.clock.set(CLOSES - timedelta(minutes=5))
    secret = add_officer(env, "ro")
    with client(env) as officer:
        assert sign_in(officer, env, "ro", secret).status_code == 303
        assert "Import a register" in officer.get(PAGE).text  # still open: registers may change
        where, page = preview(officer, b"Member No,Name\nA1,Ann\n", org="Branch")
        env.clock.set(CLOSES + timedelta(minutes=1))
        with env.session() as s:
            elections.close_now(s, env.ctx, repository.election_by_slug(s, SLUG))
        overview = officer.get(PAGE)
        assert overview.status_code == 200 and "Import a register" not in overview.text
        assert "Voting has closed: the registers are part of the record" in overview.text
        refused = upload(officer, b"Member No,Name\nA1,Ann\n", org="Branch")
        assert refused.status_code == 409 and "its registers are kept as they were" in refused.text
        frozen = confirm(officer, where, page.text)  # previewed before the close
        assert frozen.status_code == 409 and "its registers are kept as they were" in frozen.text
    assert stored(env) == []


def test_a_large_register_fits_the_upload_limit(env: BallotEnv, officer: TestClient) -> None:
    lines = ["Member No,Name,Email"] + [f"M{i},Member {i},m{i}@example.org" for i in range(20_000)]
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) > 64 * 1024 * 10  # far over the console's ordinary body limit
    where, page = preview(officer, data, org="Big")
    assert re.search(r"New members</th><td>20000<", page.text)
    assert confirm(officer, where, page.text).status_code == 303
    assert len(stored(env)) == 20_000
