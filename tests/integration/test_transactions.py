"""One transaction owner per request: the session dependency (ballotbox/adapters/httpkit/deps.py).

It commits what a route changed before the answer is sent, rolls back what a
failed or refused request changed, and still records what a refused request
keeps (the rejected-attempt counters).  Routes and services never commit.
Real databases throughout; the probe routes below go through the real
dependency and the real repository.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import event

from ballotbox.adapters.httpkit.deps import (
    ReadSessionDep,
    SessionDep,
    get_read_session,
    get_session,
    refuse,
)
from ballotbox.adapters.phone.simulator import call
from ballotbox.adapters.sms.simulator import send
from ballotbox.app import create_app
from ballotbox.core.errors import UnknownElectionError
from ballotbox.storage import repository
from tests.conftest import REPO
from tests.fixtures.elections import BallotEnv
from tests.fixtures.twilio import AUTH, ballots

SCOPE = "probe"  # the rejected-attempt counters the probes write (a real table, a real upsert)


def counts(env: BallotEnv) -> dict[str, int]:
    """The probe's counters, read on the test's own connection."""
    with env.read() as s:
        return repository.rejections(s, SCOPE)


def with_probes(env: BallotEnv) -> FastAPI:
    """The real app plus three routes that write through the real session dependency."""
    app = create_app(env.settings, env.ctx)

    def written(session: SessionDep) -> StreamingResponse:
        repository.count_rejection(session, SCOPE, "written")
        session.flush()

        def body() -> Iterator[bytes]:  # runs while the answer is being sent
            yield json.dumps(counts(env)).encode()

        return StreamingResponse(body(), media_type="application/json")

    def refused(request: Request, session: SessionDep) -> PlainTextResponse:
        repository.count_rejection(session, SCOPE, "refused")
        session.flush()
        refuse(request, keep=lambda s: repository.count_rejection(s, SCOPE, "kept"))
        return PlainTextResponse("refused", status_code=409)

    def raised(session: SessionDep) -> PlainTextResponse:
        repository.count_rejection(session, SCOPE, "raised")
        session.flush()
        raise UnknownElectionError(slug="nowhere")

    def read_only(session: ReadSessionDep) -> PlainTextResponse:
        repository.count_rejection(session, SCOPE, "through a read session")
        session.flush()  # refused: its statements would commit one by one
        return PlainTextResponse("written")

    app.add_api_route("/_probe/written", written, methods=["POST"])
    app.add_api_route("/_probe/read-only", read_only, methods=["POST"])
    app.add_api_route("/_probe/refused", refused, methods=["POST"])
    app.add_api_route("/_probe/raised", raised, methods=["POST"])
    return app


def test_a_route_that_answers_is_committed_before_the_answer_is_sent(
    ballot_env: BallotEnv,
) -> None:
    with TestClient(with_probes(ballot_env)) as client:
        response = client.post("/_probe/written")
    assert response.status_code == 200
    assert response.json() == {"written": 1}  # seen from another connection while streaming


def test_a_refused_or_failing_request_commits_nothing_but_what_it_keeps(
    ballot_env: BallotEnv,
) -> None:
    with TestClient(with_probes(ballot_env)) as client:
        assert client.post("/_probe/refused").status_code == 409
        assert client.post("/_probe/raised").status_code == 404
    assert counts(ballot_env) == {"kept": 1}


def test_a_read_session_refuses_to_write(ballot_env: BallotEnv) -> None:
    """Pages and texts read through a session whose statements run in autocommit on
    PostgreSQL; a write through it is a programming error, stopped before it reaches
    the database (a 500 for the probe, and nothing written)."""
    with TestClient(with_probes(ballot_env), raise_server_exceptions=False) as client:
        assert client.post("/_probe/read-only").status_code == 500
    assert counts(ballot_env) == {}


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every endpoint, including those of included routers (kept apart by newer FastAPI)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        yield from api_routes(getattr(getattr(route, "original_router", None), "routes", []))


def test_every_route_uses_the_one_function_scoped_session() -> None:
    """A request-scoped session would commit after the answer was sent, or give two sessions."""
    sessions = []

    def walk(dependant: Any, where: str) -> None:
        for sub in dependant.dependencies:
            if sub.call in (get_session, get_read_session):
                sessions.append((where, sub.scope))
            walk(sub, where)

    routes = list(api_routes(create_app().routes))
    for route in routes:
        walk(route.dependant, route.path)
    assert len(routes) > 30 and len(sessions) > 25
    assert [(where, scope) for where, scope in sessions if scope != "function"] == []


def test_no_route_command_or_service_commits_or_rolls_back() -> None:
    """Only the session dependency, the CLI's session helper and the batcher end transactions."""
    owners = {
        "ballotbox/adapters/httpkit/deps.py",
        "ballotbox/storage/db.py",  # transaction(): the CLI helper and the batcher use it
    }
    found = []
    for path in sorted((REPO / "ballotbox").rglob("*.py")):
        name = path.relative_to(REPO).as_posix()
        if name in owners or "/migrations/" in name:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"commit", "rollback"}
                and "savepoint" not in ast.unparse(node.func.value)  # nested: part of a service
            ):
                found.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    assert found == []


def failing(env: BallotEnv) -> TestClient:
    """The app (Twilio on) on a database that refuses to commit any transaction storing a ballot."""
    settings = env.settings.model_copy(update={"twilio_auth_token": SecretStr(AUTH)})
    app = create_app(settings, env.ctx)
    engine = app.state.engine

    @event.listens_for(engine, "before_cursor_execute")
    def note(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if re.search(r'INSERT INTO "?ballot"? \(', statement):  # alone, or in a WITH (PostgreSQL)
            conn.info["ballot_written"] = True

    @event.listens_for(engine, "commit")
    def refuse_commit(conn: Any) -> None:
        if conn.info.pop("ballot_written", False):
            raise OSError("disk full")  # as a full disk would, at the commit

    @event.listens_for(engine, "rollback")
    def forget(conn: Any) -> None:
        conn.info.pop("ballot_written", None)

    return TestClient(app, raise_server_exceptions=False)


def test_a_text_whose_vote_cannot_be_committed_is_told_so_and_nothing_counts(
    ballot_env: BallotEnv,
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    with failing(ballot_env) as client:
        reply = send(client, f"{tokens[0].digits} 2 1", auth_token=AUTH)
    assert reply.status == 200  # a plain reply, never a 500
    assert len(reply.messages) == 1 and "could not be recorded" in reply.messages[0]
    assert ballots(ballot_env) == []


def test_a_caller_never_hears_recorded_for_a_vote_that_was_not_committed(
    ballot_env: BallotEnv,
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    with failing(ballot_env) as client:
        transcript = call(client, f"{tokens[0].digits}#2##1", auth_token=AUTH)
    assert any("Press 1 to confirm" in said for said in transcript.said)  # it got that far
    assert "Your vote has been recorded" not in transcript.text
    assert ballots(ballot_env) == []
