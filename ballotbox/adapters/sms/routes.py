"""``POST /sms/twilio``: Twilio Messaging's inbound webhook, answered in TwiML.

Signed requests only (:func:`ballotbox.adapters.httpkit.twilio.twilio_params`).  The
sender's number is used for one thing, the failure limit, where it is only a
keyed hash that expires (:mod:`ballotbox.services.guards`); it is never
stored in clear, logged or passed to ``cast()``.  A retried ``MessageSid``
gets the reply already given, word for word, from whichever worker or host
it reaches: the reply is kept in the database in the same transaction as
the vote it reports.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session
from twilio.twiml.messaging_response import MessagingResponse  # type: ignore[import-untyped]

from ballotbox.adapters.httpkit.deps import get_context, get_session
from ballotbox.adapters.httpkit.limits import get_guard, slow_answer
from ballotbox.adapters.httpkit.twilio import twilio_params, twiml
from ballotbox.adapters.sms import grammar, replies
from ballotbox.config import Settings
from ballotbox.core.errors import (
    BallotboxError,
    TokenFormatError,
    TokenUsedError,
    TokenVoidError,
    UnknownTokenError,
)
from ballotbox.core.i18n import set_locale
from ballotbox.core.tokens.format import parse
from ballotbox.services import Context
from ballotbox.services.casting import cast, check_can_vote
from ballotbox.services.elections import definition_of
from ballotbox.services.guards import Guard

router = APIRouter(include_in_schema=False)

SessionDep = Annotated[Session, Depends(get_session)]
ContextDep = Annotated[Context, Depends(get_context)]
ParamsDep = Annotated[dict[str, str], Depends(twilio_params)]
# Separates the messages of one reply while it sits in the retry store.
_SEPARATOR = "\x1e"


class Answer:
    """The messages that answer one text, and how long to hold them back (during a flood)."""

    def __init__(self, session: Session, ctx: Context, guard: Guard, public_url: str) -> None:
        self.session, self.ctx, self.guard, self.public_url = session, ctx, guard, public_url
        self.delay = 0.0

    def __call__(self, sender: str, body: str) -> list[str]:
        """Read the text, vote if it is a vote; nothing is committed here (the caller commits)."""
        try:
            message = grammar.read_message(body)
            if isinstance(message, grammar.Help):
                return replies.help_reply()
            self.guard.check("sms", sender)
            try:
                token = parse(message.token)
                election = check_can_vote(self.session, self.ctx, token, "sms")
            except (TokenFormatError, UnknownTokenError, TokenUsedError, TokenVoidError) as error:
                unknown = isinstance(error, UnknownTokenError)
                self.delay = self.guard.failed(self.session, "sms", sender, unknown_token=unknown)
                raise
            definition = definition_of(election)
            if isinstance(message, grammar.BallotRequest):
                return replies.ballot_reply(election, definition)
            shape = grammar.Ballot.of(
                definition.candidate_names(), yes_no=definition.method == "referendum"
            )
            choices = grammar.read_preferences(message.preferences, shape)
            with self.session.begin_nested():  # a refused vote leaves nothing behind
                receipt = cast(self.session, self.ctx, token, choices, "sms",
                               election_slug=election.slug)  # fmt: skip
            return replies.receipt_reply(receipt, definition, self.public_url)
        except BallotboxError as error:
            return replies.error_reply(error)


@router.post("/sms/twilio")
def sms_webhook(
    request: Request, params: ParamsDep, session: SessionDep, ctx: ContextDep
) -> Response:
    """Twilio Messaging webhook: vote, send the ballot or help, reply in TwiML."""
    settings: Settings = request.app.state.settings
    set_locale(settings.locale)
    guard = get_guard(request)
    answer = Answer(session, ctx, guard, settings.public_base)
    sender, body = params.get("From", ""), params.get("Body", "")

    def reply() -> str:
        return _SEPARATOR.join(answer(sender, body))

    sid = params.get("MessageSid", "")
    if sid:
        text = guard.reply_once(session, sid, body, reply)  # commits, reply and vote together
    else:
        text = reply()
        session.commit()  # durable before the member is told it counted
    slow_answer(request, answer.delay)
    response = MessagingResponse()
    for message in text.split(_SEPARATOR):
        response.message(message)
    return twiml(response)
