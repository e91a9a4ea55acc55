"""The demo's doors: the web pages and API, texts, phone calls and posted letters, one ``cast()``.

Everything goes through the app's real routes in-process: the voting pages
(token, ballot, review, cast, with the CSRF cookie) and the JSON API for the
web; the Twilio webhooks for texts and calls, signed with a demo auth token
exactly as Twilio would sign them (``ballotbox.adapters.sms.simulator``,
``ballotbox.adapters.phone.simulator``).  Letters go through the tellers'
double entry: two tellers' keying files for one batch, matched letter by letter.

A demo ballot is ``(token, {key: candidate numbers})``: every contest present,
``[]`` for a contest left blank, a referendum's answer as its number (1 Yes,
2 No, 3 Abstain).
"""

from __future__ import annotations

import re
import secrets
import warnings
from collections.abc import Callable, Sequence

from pydantic import SecretStr

from ballotbox.adapters.phone.simulator import call
from ballotbox.adapters.sms.simulator import send
from ballotbox.config import Settings
from ballotbox.core.tokens.format import Token
from ballotbox.core.vocabulary import REFERENDUM_ANSWERS
from ballotbox.definition import ContestDefinition, ElectionDefinition
from ballotbox.services import Context
from ballotbox.services.accounts import add_teller
from ballotbox.services.postal.batches import open_batch
from ballotbox.services.postal.bulk import import_entries
from ballotbox.storage import repository
from ballotbox.storage.db import transaction
from ballotbox.storage.models_postal import Role

with warnings.catch_warnings():  # Starlette's notice about httpx versions is not for demo users
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

Ballot = tuple[Token, dict[str, list[int]]]


def with_twilio(settings: Settings) -> tuple[Settings, str]:
    """The demo's settings with a made-up Twilio auth token (the webhooks are off without one)."""
    token = secrets.token_hex(16)
    return settings.model_copy(update={"twilio_auth_token": SecretStr(token)}), token


def _client(settings: Settings, ctx: Context) -> TestClient:
    from ballotbox.app import create_app

    return TestClient(create_app(settings, ctx), base_url=settings.public_base)


def by_web(
    settings: Settings,
    ctx: Context,
    definition: ElectionDefinition,
    ballots: Sequence[Ballot],
    on_pages: int,
) -> None:
    """The first ``on_pages`` vote on the pages as a member would; the rest through the JSON API."""
    with _client(settings, ctx) as client:
        client.get("/")
        csrf = {"csrf_token": client.cookies["bb_csrf"]}
        for token, ballot in ballots[:on_pages]:
            marks = {**csrf, "token": token.digits, **_form_marks(definition, ballot)}
            review = client.post("/ballot/review", data=marks)
            hidden = dict(re.findall(r'name="(choices_[A-Z])" value="([^"]*)"', review.text))
            done = client.post("/ballot/cast", data={**csrf, "token": token.digits, **hidden})
            if done.status_code != 201:
                raise RuntimeError(f"the voting pages refused a demo ballot ({done.status_code})")
        url = f"/api/v1/elections/{definition.slug}/ballots"
        for token, ballot in ballots[on_pages:]:
            answer = client.post(url, json={"token": token.grouped, "choices": ballot})
            if answer.status_code != 201:
                raise RuntimeError(f"the JSON API refused a demo ballot: {answer.text}")


def _form_marks(definition: ElectionDefinition, ballot: dict[str, list[int]]) -> dict[str, str]:
    """The ballot page's fields: a rank next to each ranked candidate, a choice for a motion."""
    marks: dict[str, str] = {}
    for contest in definition.contests:
        chosen = ballot[contest.key]
        if contest.ranked:
            marks.update({f"rank_{contest.key}_{n}": str(r) for r, n in enumerate(chosen, 1)})
        else:
            marks[f"choice_{contest.key}"] = str(chosen[0]) if chosen else ""
    return marks


def sms_text(definition: ElectionDefinition, token: Token, ballot: dict[str, list[int]]) -> str:
    """``TOKEN A 3 1 2 B 2 C YES``: each contest's key, then its choices (blank ones left out)."""
    words = [token.grouped]
    for contest in definition.contests:
        chosen = ballot[contest.key]
        if chosen:
            words.append(contest.key)
            words += [_answer(contest, n) for n in chosen]
    return " ".join(words)


def _answer(contest: ContestDefinition, number: int) -> str:
    return REFERENDUM_ANSWERS[number - 1].upper() if contest.method == "referendum" else str(number)


def by_text(
    settings: Settings, ctx: Context, definition: ElectionDefinition, ballots: Sequence[Ballot]
) -> list[str]:
    """Text each ballot as ``TOKEN A 3 1 2 B 2 C YES``; return the replies."""
    settings, auth = with_twilio(settings)
    replies = []
    with _client(settings, ctx) as client:
        for i, (token, ballot) in enumerate(ballots):
            text = sms_text(definition, token, ballot)
            reply = send(client, text, auth_token=auth, sender=f"+4477009{i:05d}")
            replies.append(" ".join(reply.messages))
    return replies


def phone_keys(
    definition: ElectionDefinition, token: Token, ballot: dict[str, list[int]]
) -> list[str]:
    """One entry per prompt: the token, each contest's choices (``*`` skips one), then 1 to confirm.

    A ranked contest ends with ``#`` alone; a motion moves on once answered.
    """
    keys = [token.digits]
    for contest in definition.contests:
        chosen = ballot[contest.key]
        if not chosen:
            keys.append("*")
        elif contest.ranked:
            keys += [*(str(n) for n in chosen), ""]
        else:
            keys += [str(n) for n in chosen]
    return [*keys, "1"]


def by_phone(
    settings: Settings, ctx: Context, definition: ElectionDefinition, ballots: Sequence[Ballot]
) -> list[list[str]]:
    """Key each ballot on the phone, contest by contest; return what was said on each call."""
    settings, auth = with_twilio(settings)
    transcripts = []
    with _client(settings, ctx) as client:
        for i, (token, ballot) in enumerate(ballots):
            keys = phone_keys(definition, token, ballot)
            transcripts.append(call(client, keys, auth_token=auth, caller=f"+4420700{i:05d}").said)
    return transcripts


def keying_file(teller: str, definition: ElectionDefinition, ballots: Sequence[Ballot]) -> str:
    """One teller's keying of a batch, as the bulk import reads it (columns A1 … B1 … C1 …)."""
    columns = [(c, n.number) for c in definition.contests for n in c.candidates]
    header = ["letter", "teller", "token", "spoilt", *(f"{c.key}{n}" for c, n in columns)]
    lines = [",".join(header)]
    for letter, (token, ballot) in enumerate(ballots, start=1):
        row = [str(letter), teller, token.grouped, ""]
        for contest, number in columns:
            chosen = ballot[contest.key]
            if contest.ranked:
                row.append(str(chosen.index(number) + 1) if number in chosen else "")
            else:
                row.append("X" if number in chosen else "")
        lines.append(",".join(row))
    return "\n".join(lines) + "\n"


def by_post(
    engine: object,
    ctx: Context,
    definition: ElectionDefinition,
    ballots: Sequence[Ballot],
    say: Callable[[str], None],
) -> None:
    """Two tellers key the same bag of letters; agreeing letters are cast as postal votes."""
    with transaction(engine) as s:  # type: ignore[arg-type]
        supervisor = add_teller(s, ctx, "supervisor", Role.SUPERVISOR, secrets.token_urlsafe(16))
        add_teller(s, ctx, "alice", Role.TELLER, secrets.token_urlsafe(16))
        add_teller(s, ctx, "bilal", Role.TELLER, secrets.token_urlsafe(16))
        election = repository.election_by_slug(s, definition.slug)
        batch = open_batch(s, ctx, supervisor, election, "post of 3 Dec, bag 1", len(ballots))
        outcome = import_entries(
            s,
            ctx,
            election,
            batch,
            ("alice.csv", keying_file("alice", definition, ballots)),
            ("bilal.csv", keying_file("bilal", definition, ballots)),
        )
    say(
        f"Tellers keyed {len(ballots)} letters twice: "
        + ", ".join(f"{n} {k}" for k, n in sorted(outcome.items()))
        + "."
    )
