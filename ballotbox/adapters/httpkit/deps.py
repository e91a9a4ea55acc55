"""Request dependencies: the database session, the service context, the templates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlmodel import Session

from ballotbox.choices import GivenChoices
from ballotbox.core.tokens.format import Token
from ballotbox.services import Context
from ballotbox.services.casting import CastReceipt
from ballotbox.storage.db import writer


def get_context(request: Request) -> Context:
    """The app's service context (keys, clock, randomness)."""
    return request.app.state.context  # type: ignore[no-any-return]


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request.

    Routes that change something call ``session.commit()`` themselves before
    they answer, so a receipt is never shown for a vote that is not yet
    durable; anything left uncommitted (an error) is rolled back here.
    """
    engine = request.app.state.engine
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        engine = writer(engine)
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


class Caster(Protocol):
    """Casts a ballot and returns only once it is committed."""

    def __call__(
        self,
        token: Token | str,
        choices: GivenChoices,
        channel: str,
        *,
        election_slug: str | None = None,
    ) -> CastReceipt: ...


def get_caster(request: Request) -> Caster:
    """The process's group-commit batcher (see ballotbox/services/batching.py)."""
    return request.app.state.batcher.submit  # type: ignore[no-any-return]


CasterDep = Annotated[Caster, Depends(get_caster)]
