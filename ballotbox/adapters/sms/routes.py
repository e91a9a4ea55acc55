"""``POST /sms/twilio``: Twilio Messaging's inbound webhook, answered in TwiML.

Signed requests only (:func:`ballotbox.adapters.httpkit.twilio.twilio_params`).  The
sender's number is used for one thing, a keyed hash in the in-memory failure
limiter; it is never stored, logged or passed to ``cast()``.  A retried
``MessageSid`` gets the reply already given, word for word.

The vote goes through the group-commit batcher, like the web's: it is
committed before the reply is written (and remembered for a retry), so a
member is never told that a vote counted which is not on disk.  The request's
own session only reads, and does not hold SQLite's write lock while the
batcher commits.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session
from twilio.twiml.messaging_response import MessagingResponse  # type: ignore[import-untyped]

from ballotbox.adapters.httpkit.deps import Caster, CasterDep, ContextDep, ReadSessionDep
from ballotbox.adapters.httpkit.twilio import FailureLimiter, guards_for, twilio_params, twiml
from ballotbox.adapters.httpkit.usage import count_metered
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
from ballotbox.definition import ElectionDefinition
from ballotbox.services import Context, costs
from ballotbox.services.casting import check_can_vote
from ballotbox.services.elections import definition_of

router = APIRouter(include_in_schema=False)

ParamsDep = Annotated[dict[str, str], Depends(twilio_params)]
# Separates the messages of one reply while it sits in the retry cache.
_SEPARATOR = "\x1e"


def answer(
    session: Session,
    ctx: Context,
    caster: Caster,
    limiter: FailureLimiter,
    sender: str,
    body: str,
    public_url: str,
) -> list[str]:
    """The messages that answer one text; a vote is committed before the reply is made."""
    definition: ElectionDefinition | None = None
    try:
        message = grammar.read_message(body)
        if isinstance(message, grammar.Help):
            return replies.help_reply()
        limiter.check(sender)
        try:
            token = parse(message.token)
            election = check_can_vote(session, ctx, token, "sms")
        except (TokenFormatError, UnknownTokenError, TokenUsedError, TokenVoidError) as error:
            limiter.record_failure(sender, unknown_token=isinstance(error, UnknownTokenError))
            raise
        definition = definition_of(election)
        if isinstance(message, grammar.BallotRequest):
            return replies.ballot_reply(election, definition)
        choices: list[int] | dict[str, list[int]]
        if definition.single:
            [shape] = replies.shapes(definition).values()
            choices = grammar.read_preferences(message.preferences, shape)
        else:
            choices = grammar.read_ballot(message.preferences, replies.shapes(definition))
        receipt = caster(token, choices, "sms", election_slug=election.slug)  # committed
        return replies.receipt_reply(receipt, definition, public_url)
    except BallotboxError as error:  # nothing was written: the session only read
        return replies.error_reply(error, definition)


@router.post("/sms/twilio")
def sms_webhook(
    request: Request,
    params: ParamsDep,
    session: ReadSessionDep,
    ctx: ContextDep,
    caster: CasterDep,
) -> Response:
    """Twilio Messaging webhook: vote, send the ballot or help, reply in TwiML."""
    settings: Settings = request.app.state.settings
    set_locale(settings.locale)
    guards = guards_for(request, "sms")

    def reply() -> str:
        sender, body = params.get("From", ""), params.get("Body", "")
        messages = answer(session, ctx, caster, guards.limiter, sender, body, settings.public_base)
        # Each reply message is packed into one segment (replies.pack); the text in says its own.
        received = int(params["NumSegments"]) if params.get("NumSegments", "").isdigit() else 1
        count_metered(request, ctx, "sms", {costs.SMS_IN: received, costs.SMS_OUT: len(messages)})
        return _SEPARATOR.join(messages)

    sid = params.get("MessageSid", "")
    text = guards.replies.reply_once(sid, reply) if sid else reply()
    response = MessagingResponse()
    for message in text.split(_SEPARATOR):
        response.message(message)
    return twiml(response)
