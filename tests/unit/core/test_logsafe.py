"""Access-log redaction: a token never reaches a log line, however its groups are written."""

from __future__ import annotations

import logging

import pytest

from ballotbox.core.logsafe import RedactAccessLog, redact

BALLOT_TOKEN = "48210937551288403316"  # noqa: S105 - a made-up ballot token
GROUPS = ["4821", "0937", "5512", "8840", "3316"]


@pytest.mark.parametrize(
    "path",
    [
        f"/v/{BALLOT_TOKEN}",
        "/v/" + "%20".join(GROUPS),
        "/v/" + "+".join(GROUPS),
        "/?token=" + "+".join(GROUPS),
        "/v/" + "-".join(GROUPS),
        "/v/" + ".".join(GROUPS),
        "/v/" + "%2D".join(GROUPS),
        "/v/" + "%C2%A0".join(GROUPS),  # no-break spaces
        "/v/" + "".join(f"%3{d}" for d in BALLOT_TOKEN),  # every digit percent-encoded
        "/v/" + "%20%20".join(GROUPS) + "?again=" + "/".join(GROUPS),
    ],
)
def test_a_token_is_redacted_however_it_is_spelt(path: str) -> None:
    redacted = redact(path)
    assert "[token]" in redacted
    assert not any(group in redacted for group in GROUPS[1:]), redacted


@pytest.mark.parametrize(
    "path", ["/elections/nec-2027/audit", "/healthz", "/v/1234", "/static/x.css"]
)
def test_ordinary_paths_are_left_alone(path: str) -> None:
    assert redact(path) == path


def test_uvicorn_and_gunicorn_records_lose_the_address_and_the_token() -> None:
    record = logging.LogRecord("uvicorn.access", 20, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("203.0.113.5:5000", "GET", "/v/" + "+".join(GROUPS), "1.1", 200),
                               None)  # fmt: skip
    RedactAccessLog().filter(record)
    assert record.getMessage() == '- - "GET /v/[token] HTTP/1.1" 200'
    record = logging.LogRecord("gunicorn.access", 20, "", 0, "%(h)s %(r)s", (), None)
    record.args = {"h": "203.0.113.5", "r": "GET /v/" + "%20".join(GROUPS) + " HTTP/1.1"}
    RedactAccessLog().filter(record)
    assert record.getMessage() == "- GET /v/[token] HTTP/1.1"
