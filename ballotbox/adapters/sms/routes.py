"""``POST /sms/twilio``: Twilio Messaging's inbound webhook, answered in TwiML.

Signed requests only (:func:`ballotbox.adapters.httpkit.twilio.twilio_params`).  The
sender's number is used for one thing, the failure limit, where it is only a
keyed hash that expires (:mod:`ballotbox.services.guards`); it is never
stored in clear, logged or passed to ``cast()``.  A retried ``MessageSid``
gets the reply already given, word for word, from whichever worker or host
it reaches.

The vote goes through the group-commit batcher, like the web's: it is
committed before the reply is written, and the reply is kept for Twilio's
retries in that same transaction (the batcher's ``also``), so a member is
never told that a vote counted which is not on disk, and a retry never gets
"already used" for a vote that counted.  What the text and its receipt cost
is counted in that transaction too, against the ballot voted in; every other
text's cost goes through :mod:`ballotbox.adapters.httpkit.usage`.  The
request's own session only reads, and does not hold SQLite's write lock while
the batcher commits.
What else an answer keeps (a failed attempt's count, a reply that reports
no vote) is recorded through ``refuse(request, keep=...)``, after the
read-only transaction, in a transaction of its own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session
from twilio.twiml.messaging_response import MessagingResponse  # type: ignore[import-untyped]

from ballotbox.adapters.httpkit.deps import (
    Caster,
    CasterDep,
    ContextDep,
    ReadSessionDep,
    end_reads,
    refuse,
)
from ballotbox.adapters.httpkit.limits import failed, get_guard
from ballotbox.adapters.httpkit.twilio import twilio_params, twiml
from ballotbox.adapters.httpkit.usage import count_metered
from ballotbox.adapters.sms import checktext, grammar, replies
from ballotbox.adapters.sms import language as sms_language
from ballotbox.config import Settings
from ballotbox.core.errors import (
    BallotboxError,
    TokenFormatError,
    TokenUsedError,
    TokenVoidError,
    UnknownTokenError,
)
from ballotbox.core.i18n import ballot_languages, current_locale, set_locale, using
from ballotbox.core.tokens.format import parse
from ballotbox.definition import ElectionDefinition
from ballotbox.services import Context, costs
from ballotbox.services.batching import NotRecordedError
from ballotbox.services.casting import CastReceipt
from ballotbox.services.checking import CheckedVote, vote_or_check
from ballotbox.services.elections import definition_of
from ballotbox.services.guards import Guard
from ballotbox.storage.db import transaction

router = APIRouter(include_in_schema=False)

ParamsDep = Annotated[dict[str, str], Depends(twilio_params)]
# Separates the messages of one reply while it sits in the retry store.
_SEPARATOR = "\x1e"
_TOKEN_FAILURES = (TokenFormatError, UnknownTokenError, TokenUsedError, TokenVoidError)


class Answer:
    """The messages that answer one text, and what the answer keeps for retries and limits."""

    def __init__(
        self,
        request: Request,
        session: Session,
        ctx: Context,
        caster: Caster,
        guard: Guard,
        params: dict[str, str],
    ) -> None:
        self.request, self.session, self.ctx, self.caster = request, session, ctx, caster
        self.guard = guard
        self.public_url = request.app.state.settings.public_base
        self.sid = params.get("MessageSid", "")
        self.sender, self.body = params.get("From", ""), params.get("Body", "")
        segments = params.get("NumSegments", "")
        self.received = int(segments) if segments.isdigit() else 1
        self.counted = False  # a vote's text is counted in the vote's own transaction

    def first_reply(self, *, fresh: bool = False) -> str | None:
        """The reply already given to this message (a retry), if it was kept.

        Read in the request's transaction, unless ``fresh``: then on a connection of its
        own, which sees a reply committed since that transaction began (SQLite's snapshot).
        """
        if not self.sid:
            return None
        return self.guard.recall(self.sid, self.body, None if fresh else self.session)

    def __call__(self) -> str:
        """Read the text, vote if it is a vote; the reply as one string."""
        sender = self.sender
        failure: BallotboxError | None = None
        definition: ElectionDefinition | None = None
        try:
            language, body = sms_language.split_language(self.body)  # CYMRAEG / ENGLISH
            if language:
                set_locale(language)
            message = grammar.read_message(body)
            if isinstance(message, grammar.Help):
                return self.kept(replies.help_reply())
            self.guard.check("sms", sender, self.session)
            try:
                if isinstance(message, grammar.Check | grammar.Dispute):
                    return self.after_publication(message)
                token = parse(message.token)
                # The token alone checks once its ballot is published; a vote is refused then.
                alone = isinstance(message, grammar.BallotRequest)
                found = vote_or_check(
                    self.session, self.ctx, token, "sms", check=alone, casting=not alone
                )
                if isinstance(found, CheckedVote):
                    return self.kept(checktext.check_messages(found))
                election = found
            except _TOKEN_FAILURES as error:
                failure = error
                raise
            definition = definition_of(election)
            set_locale(language or ballot_languages(definition, current_locale())[0])
            if isinstance(message, grammar.BallotRequest):
                return self.kept(replies.ballot_reply(election, definition))
            choices: list[int] | dict[str, list[int]]
            if definition.single:
                [shape] = replies.shapes(definition).values()
                choices = grammar.read_preferences(message.preferences, shape)
            else:
                choices = grammar.read_ballot(message.preferences, replies.shapes(definition))
            said: list[str] = []
            slug, locale = election.slug, current_locale()

            def remember(session: Session, receipt: CastReceipt) -> None:
                with using(locale):  # the batcher's thread: answer in the member's language
                    said.extend(replies.receipt_reply(receipt, definition, self.public_url))
                # In the vote's own transaction: kept for retries, and counted, with the vote.
                if self.sid:
                    self.guard.remember(session, self.sid, self.body, _SEPARATOR.join(said))
                sent = {costs.SMS_IN: self.received, costs.SMS_OUT: len(said)}
                costs.count_on_commit(session, slug, sent)

            # What this text read is read: its transaction ends here, so no text holds a
            # connection (and, on PostgreSQL, a transaction) while its batch commits.
            end_reads(self.session)
            self.caster(token, choices, "sms", election_slug=slug, also=remember)
            self.counted = True
            return _SEPARATOR.join(said)  # committed, and so are the reply and the count
        except BallotboxError as error:
            if (
                isinstance(error, TokenUsedError)
                and (first := self.first_reply(fresh=True)) is not None
            ):
                return first  # a retry whose first delivery voted meanwhile: never charged
            if isinstance(error, _TOKEN_FAILURES) and failure is None:
                failure = error  # refused by the batcher (spent at that very moment)
            final = not isinstance(error, NotRecordedError)  # a retry should try again
            return self.kept(replies.error_reply(error, definition), failure=failure, final=final)

    def after_publication(self, message: grammar.Check | grammar.Dispute) -> str:
        """``CHECK``: the recorded vote; ``DISPUTE``: a report, in a transaction of its own.

        The report and the reply kept for Twilio's retries commit together, so a
        retried message is never recorded twice.
        """
        if isinstance(message, grammar.Check):
            return self.kept(checktext.check_reply(self.session, self.ctx, message.token))
        with transaction(self.request.app.state.engine) as session:
            text = checktext.dispute_reply(session, self.ctx, message.token, message.code)
            if self.sid:
                self.guard.remember(session, self.sid, self.body, text)
        return text

    def kept(
        self, messages: list[str], *, failure: BallotboxError | None = None, final: bool = True
    ) -> str:
        """``messages`` as the reply, kept for retries along with ``failure``'s count, if any.

        The request's session only read: it is rolled back, and what the
        answer keeps is committed on its own (``refuse``'s ``keep``).  A reply
        that is not ``final`` (the vote could not be recorded) is not kept.
        """
        text = _SEPARATOR.join(messages)
        charge = None
        if failure is not None:
            unknown = isinstance(failure, UnknownTokenError)
            charge = failed(self.request, "sms", self.sender, unknown_token=unknown)
        recorded = bool(self.sid) and final
        if charge is None and not recorded:
            return text

        def keep(session: Session) -> None:
            if charge is not None:
                charge(session)
            if recorded:
                self.guard.remember(session, self.sid, self.body, text)

        refuse(self.request, keep=keep)
        return text


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
    answer = Answer(request, session, ctx, caster, get_guard(request), params)
    text = answer.first_reply()
    if text is None:  # not a retry: count what the text and its answer cost
        text = answer()
        if not answer.counted:
            sent = len(text.split(_SEPARATOR))  # each reply message is one segment (replies)
            count_metered(request, ctx, "sms", {costs.SMS_IN: answer.received, costs.SMS_OUT: sent})
    response = MessagingResponse()
    for message in text.split(_SEPARATOR):
        response.message(message)
    return twiml(response)
