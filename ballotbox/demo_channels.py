"""The demo's other doors: texts, phone calls and posted letters, all into the same ``cast()``.

Texts and calls go through the real Twilio webhooks in-process, signed with a
demo auth token exactly as Twilio would sign them (``ballotbox.adapters.sms.simulator``,
``ballotbox.adapters.phone.simulator``).  Letters go through the tellers' double entry:
two tellers' keying files for one batch, matched letter by letter.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Callable, Sequence

from pydantic import SecretStr

from ballotbox.adapters.phone.simulator import call
from ballotbox.adapters.sms.simulator import send
from ballotbox.config import Settings
from ballotbox.core.tokens.format import Token
from ballotbox.services import Context
from ballotbox.services.postal.accounts import add_teller
from ballotbox.services.postal.batches import open_batch
from ballotbox.services.postal.bulk import import_entries
from ballotbox.storage import repository
from ballotbox.storage.db import transaction
from ballotbox.storage.models_postal import Role

with warnings.catch_warnings():  # Starlette's notice about httpx versions is not for demo users
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

Ballot = tuple[Token, list[int]]


def with_twilio(settings: Settings) -> tuple[Settings, str]:
    """The demo's settings with a made-up Twilio auth token (the webhooks are off without one)."""
    token = secrets.token_hex(16)
    return settings.model_copy(update={"twilio_auth_token": SecretStr(token)}), token


def by_text(settings: Settings, ctx: Context, ballots: Sequence[Ballot]) -> list[str]:
    """Text each ballot as ``TOKEN 3 1 2``; return the replies."""
    from ballotbox.app import create_app

    settings, auth = with_twilio(settings)
    replies = []
    with TestClient(create_app(settings, ctx), base_url=settings.public_base) as client:
        for i, (token, choices) in enumerate(ballots):
            text = f"{token.grouped} {' '.join(map(str, choices))}"
            reply = send(client, text, auth_token=auth, sender=f"+4477009{i:05d}")
            replies.append(" ".join(reply.messages))
    return replies


def by_phone(settings: Settings, ctx: Context, ballots: Sequence[Ballot]) -> list[list[str]]:
    """Key each ballot on the phone: token #, choices one by one #, # to finish, 1 to confirm."""
    from ballotbox.app import create_app

    settings, auth = with_twilio(settings)
    transcripts = []
    with TestClient(create_app(settings, ctx), base_url=settings.public_base) as client:
        for i, (token, choices) in enumerate(ballots):
            keys = [token.digits, *(str(c) for c in choices), "", "1"]  # one entry per prompt
            transcripts.append(call(client, keys, auth_token=auth, caller=f"+4420700{i:05d}").said)
    return transcripts


def keying_file(teller: str, ballots: Sequence[Ballot], candidates: int) -> str:
    """One teller's keying of a batch, as the bulk import reads it."""
    header = ["letter", "teller", "token", "spoilt", *(str(n) for n in range(1, candidates + 1))]
    lines = [",".join(header)]
    for letter, (token, choices) in enumerate(ballots, start=1):
        marks = {number: str(rank) for rank, number in enumerate(choices, start=1)}
        row = [
            str(letter),
            teller,
            token.grouped,
            "",
            *(marks.get(n, "") for n in range(1, candidates + 1)),
        ]
        lines.append(",".join(row))
    return "\n".join(lines) + "\n"


def by_post(
    engine: object,
    ctx: Context,
    slug: str,
    ballots: Sequence[Ballot],
    candidates: int,
    say: Callable[[str], None],
) -> None:
    """Two tellers key the same bag of letters; agreeing letters are cast as postal votes."""
    with transaction(engine) as s:  # type: ignore[arg-type]
        supervisor = add_teller(s, ctx, "supervisor", Role.SUPERVISOR, secrets.token_urlsafe(16))
        add_teller(s, ctx, "alice", Role.TELLER, secrets.token_urlsafe(16))
        add_teller(s, ctx, "bilal", Role.TELLER, secrets.token_urlsafe(16))
        election = repository.election_by_slug(s, slug)
        batch = open_batch(s, ctx, supervisor, election, "post of 3 Dec, bag 1", len(ballots))
        outcome = import_entries(
            s,
            ctx,
            election,
            batch,
            ("alice.csv", keying_file("alice", ballots, candidates)),
            ("bilal.csv", keying_file("bilal", ballots, candidates)),
        )
    say(
        f"Tellers keyed {len(ballots)} letters twice: "
        + ", ".join(f"{n} {k}" for k, n in sorted(outcome.items()))
        + "."
    )
