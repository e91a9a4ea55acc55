"""The JSON API and the voting pages through the real app, on both databases."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ballotbox.app import create_app
from ballotbox.core.tokens.format import check_digits
from ballotbox.storage.models import Ballot
from tests.fixtures.elections import BallotEnv


@pytest.fixture
def client(ballot_env: BallotEnv) -> Iterator[TestClient]:
    with TestClient(create_app(ballot_env.settings, ballot_env.ctx)) as c:
        yield c


URL = "/api/v1/elections/test-2027/ballots"
HTML = {"accept": "text/html"}


def test_api_statuses_and_error_shape(ballot_env: BallotEnv, client: TestClient) -> None:
    _slug, tokens = ballot_env.make_election(tokens=3)
    ok = client.post(URL, json={"token": tokens[0].grouped, "choices": [2, 1]})
    assert ok.status_code == 201
    body = ok.json()
    assert body["names"] == ["Bob Builder", "Ann Example"] and len(body["receipt"]["code"]) == 8
    cases = [
        ({"token": tokens[0].digits, "choices": [1]}, 409, "token_used"),
        ({"token": "0" * 18 + "98", "choices": [1]}, 404, "unknown_token"),
        ({"token": tokens[1].digits[:-1], "choices": [1]}, 422, "token_length"),
        ({"token": tokens[1].digits[:-1] + "x", "choices": [1]}, 422, "token_character"),
        ({"token": tokens[1].digits, "choices": [7]}, 422, "invalid_choices"),
        ({"token": tokens[1].digits}, 422, "invalid_request"),
    ]
    for payload, status, code in cases:
        r = client.post(URL, json=payload)
        assert (r.status_code, r.json()["error"]) == (status, code), payload
        assert r.json()["detail"]
    r = client.post(
        "/api/v1/elections/nope/ballots", json={"token": tokens[1].digits, "choices": [1]}
    )
    assert (r.status_code, r.json()["error"]) == (404, "unknown_election")
    r = client.post(URL, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"


def test_a_body_that_is_not_a_json_ballot_is_refused_plainly_and_casts_nothing(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    """The route reads its own body: every shape FastAPI refused is refused alike (422, a
    plain problem, no vote), and a ballot sent as some other type is not read as JSON."""
    _slug, tokens = ballot_env.make_election(tokens=1)
    ballot = b'{"token": "%s", "choices": [1]}' % tokens[0].digits.encode()
    cases = [
        (ballot, "text/plain", "Send the ballot as JSON (Content-Type: application/json)."),
        (ballot, "application/x-www-form-urlencoded", "Send the ballot as JSON"),
        (b"", "application/json", "Field required"),
        (b"[1, 2]", "application/json", "Input should be an object"),
        (b'{"token": "1", "choices": [1]', "application/json", "Invalid JSON"),
        (b'{"token": "1", "choices": {"A": "x"}}', "application/json", "valid array"),
    ]
    for body, media, problem in cases:
        r = client.post(URL, content=body, headers={"content-type": media})
        assert (r.status_code, r.json()["error"]) == (422, "invalid_request"), (body, media)
        assert problem in " ".join(p["problem"] for p in r.json()["detail"]), (body, media)
    with ballot_env.read() as s:
        assert s.exec(select(Ballot)).all() == []
    typed = client.post(
        URL, content=ballot, headers={"content-type": "application/json; charset=utf-8"}
    )
    assert typed.status_code == 201


def test_openapi_documents_the_ballot_endpoint(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/api/v1/elections/{slug}/ballots"]["post"]
    assert {"201", "404", "409", "422"} <= set(post["responses"])
    assert post["summary"] or post["description"]


def test_security_headers_on_every_page(ballot_env: BallotEnv, client: TestClient) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    for path in (
        "/",
        f"/v/{tokens[0].digits}",
        "/elections/test-2027",
        "/nope",
        "/api/v1/elections",
    ):
        r = client.get(path, headers={"accept": "text/html"})
        assert r.headers["referrer-policy"] == "no-referrer", path
        assert r.headers["cache-control"] == "no-store", path
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path
        assert r.headers["x-content-type-options"] == "nosniff", path


def csrf(client: TestClient) -> str:
    client.get("/")
    return str(client.cookies["bb_csrf"])


def test_the_voting_pages_from_token_to_receipt(ballot_env: BallotEnv, client: TestClient) -> None:
    _slug, tokens = ballot_env.make_election(tokens=2, candidates=4)
    token = csrf(client)
    page = client.post("/ballot", data={"token": tokens[0].grouped, "csrf_token": token})
    assert page.status_code == 200 and 'name="rank_4"' in page.text
    review = client.post(
        "/ballot/review",
        data={"token": tokens[0].digits, "csrf_token": token, "rank_3": "1", "rank_1": "2"},
    )
    assert review.status_code == 200 and "Cast my vote" in review.text
    assert re.search(r"Cy Twombly.*Ann Example", review.text, re.S)
    back = client.post(
        "/ballot/change", data={"token": tokens[0].digits, "csrf_token": token, "choices": "3 1"}
    )
    assert 'name="rank_3"' in back.text and 'value="1"' in back.text
    receipt = client.post(
        "/ballot/cast", data={"token": tokens[0].digits, "csrf_token": token, "choices": "3 1"}
    )
    assert receipt.status_code == 201 and "Your vote has been recorded" in receipt.text
    again = client.post(
        "/ballot/cast", data={"token": tokens[0].digits, "csrf_token": token, "choices": "3 1"}
    )
    assert again.status_code == 409 and "already been used" in again.text


@pytest.mark.parametrize(
    ("marks", "message"),
    [
        ({"rank_1": "1", "rank_2": "1"}, "Two candidates are marked 1"),
        ({"rank_1": "1", "rank_2": "3"}, "no choice number 2"),
        ({"rank_1": "first"}, "next to Ann Example is not a number"),
        ({}, "Put 1 next to your first choice"),
    ],
)
def test_ballot_errors_are_shown_with_the_input_kept(
    ballot_env: BallotEnv, client: TestClient, marks: dict[str, str], message: str
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    token = csrf(client)
    page = client.post(
        "/ballot/review", data={"token": tokens[0].digits, "csrf_token": token, **marks}
    )
    assert page.status_code == 422
    assert message in page.text and 'role="alert"' in page.text
    for field, value in marks.items():
        assert f'name="{field}"' in page.text and f'value="{value}"' in page.text


def test_a_typo_in_the_token_keeps_what_was_typed(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    ballot_env.make_election(tokens=1)
    token = csrf(client)
    typed = "1234 5678 9012 3456 7890"
    page = client.post("/ballot", data={"token": typed, "csrf_token": token})
    assert page.status_code == 422 and "typing error" in page.text and typed in page.text


def test_forms_without_the_csrf_token_are_refused(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    csrf(client)
    r = client.post("/ballot/cast", data={"token": tokens[0].digits, "choices": "1"})
    assert r.status_code == 403
    assert client.post(URL, json={"token": tokens[0].digits, "choices": [1]}).status_code == 201


def test_choice_ballots_and_referendums_on_the_pages(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    ballot_env.make_election("pick-2027", "approval", tokens=1, candidates=3)
    ballot_env.make_election("motion-2027", "referendum", tokens=1)
    token = csrf(client)
    approval_token = ballot_env.tokens["pick-2027"][0].digits
    page = client.post("/ballot", data={"token": approval_token, "csrf_token": token})
    assert 'type="checkbox"' in page.text
    review = client.post(
        "/ballot/review", data={"token": approval_token, "csrf_token": token, "choice": ["3", "1"]}
    )
    assert "Cy Twombly" in review.text and "Ann Example" in review.text
    motion_token = ballot_env.tokens["motion-2027"][0].digits
    page = client.post("/ballot", data={"token": motion_token, "csrf_token": token})
    assert 'type="radio"' in page.text and "Abstain" in page.text
    done = client.post(
        "/ballot/cast", data={"token": motion_token, "csrf_token": token, "choices": "2"}
    )
    assert done.status_code == 201 and "No" in done.text


def test_no_500_and_no_stack_trace_for_junk(client: TestClient) -> None:
    for path, data in [
        ("/ballot", {"token": "\x00" * 50}),
        ("/ballot/review", {"token": "x"}),
        ("/ballot/cast", {"token": "1" * 20, "choices": "a b"}),
    ]:
        r = client.post(path, data={**data, "csrf_token": csrf(client)})
        assert r.status_code < 500 and "Traceback" not in r.text


def unknown_token(n: int) -> str:
    """A well-formed token (right length and check digits) that was never issued."""
    payload = f"{n:018d}"
    return payload + check_digits(payload)


def test_one_client_over_its_failure_limit_gets_429_while_another_is_served(
    ballot_env: BallotEnv,
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=2)
    # Behind the TLS proxy (127.0.0.1 here), X-Forwarded-For names each client.
    settings = ballot_env.settings.model_copy(
        update={"limit_web": 5, "trusted_proxies": "127.0.0.0/8"}
    )
    app = create_app(settings, ballot_env.ctx)
    guesser = {"x-forwarded-for": "203.0.113.9"}
    voter = {"x-forwarded-for": "198.51.100.20, 127.0.0.1"}
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        for n in range(5):
            answer = client.post(URL, json={"token": unknown_token(n), "choices": [1]},
                                 headers=guesser)  # fmt: skip
            assert answer.status_code == 404
        refused = client.post(URL, json={"token": tokens[0].digits, "choices": [1]},
                              headers=guesser)  # fmt: skip
        assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
        page = client.get(f"/v/{tokens[0].digits}", headers={**guesser, **HTML})
        assert page.status_code == 429 and "Too many attempts" in page.text
        served = client.post(URL, json={"token": tokens[1].digits, "choices": [1]}, headers=voter)
        assert served.status_code == 201
    with ballot_env.read() as s:
        assert [b.token for b in s.exec(select(Ballot)).all()] == [tokens[1].digits]


def test_a_client_cannot_dodge_its_limit_with_a_forwarded_for_header(
    ballot_env: BallotEnv,
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    settings = ballot_env.settings.model_copy(update={"limit_web": 3})  # no trusted proxy
    with TestClient(create_app(settings, ballot_env.ctx), client=("203.0.113.9", 1)) as client:
        for n in range(3):
            client.post(URL, json={"token": unknown_token(n), "choices": [1]},
                        headers={"x-forwarded-for": f"192.0.2.{n}"})  # fmt: skip
        again = client.post(URL, json={"token": tokens[0].digits, "choices": [1]},
                            headers={"x-forwarded-for": "192.0.2.99"})  # fmt: skip
        assert again.status_code == 429


def test_a_trailing_slash_redirect_never_trusts_the_host_header(ballot_env: BallotEnv) -> None:
    ballot_env.make_election(tokens=1)
    settings = ballot_env.settings.model_copy(update={"public_url": "https://vote.example.org/"})
    with TestClient(create_app(settings, ballot_env.ctx)) as client:
        answer = client.get(
            "/elections/test-2027/?x=1", headers={"host": "evil.example"}, follow_redirects=False
        )
        assert answer.status_code == 307
        assert answer.headers["location"] == "https://vote.example.org/elections/test-2027?x=1"
        assert client.get("/nope/", follow_redirects=False).status_code == 404
        assert client.get("/elections/test-2027", headers=HTML).status_code == 200


def test_a_planted_csrf_cookie_and_field_are_refused(ballot_env: BallotEnv) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    with TestClient(create_app(ballot_env.settings, ballot_env.ctx)) as client:
        genuine = csrf(client)
        nonce = genuine.partition(".")[0]
        for planted in ("a" * 43, f"{nonce}.{'A' * 43}", f"{nonce}.", "x.y"):
            client.cookies.set("bb_csrf", planted)
            answer = client.post(
                "/ballot", data={"token": tokens[0].digits, "csrf_token": planted}, headers=HTML
            )
            assert answer.status_code == 403, planted
        client.cookies.set("bb_csrf", genuine)
        ok = client.post("/ballot", data={"token": tokens[0].digits, "csrf_token": genuine},
                         headers=HTML)  # fmt: skip
        assert ok.status_code == 200


def test_start_up_objects_are_frozen_out_of_the_collectors_sight(
    ballot_env: BallotEnv,
) -> None:
    # A full collection in a burst of votes must not rescan the web stack (app._freeze_start_up).
    with TestClient(create_app(ballot_env.settings, ballot_env.ctx)) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 1000
