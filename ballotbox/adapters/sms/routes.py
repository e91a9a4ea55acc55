"""``POST /sms/twilio``: Twilio Messaging's inbound webhook, answered in TwiML.

Signed requests only (:func:`ballotbox.adapters.httpkit.twilio.twilio_params`).  The
sender's number is used for one thing, the failure limit, where it is only a
keyed hash that expires (:mod:`ballotbox.services.guards`); it is never
stored in clear, logged or passed to ``cast()``.  A retried ``MessageSid``
gets the reply already given, word for word, from whichever worker or host
it reaches.

The vote goes through the group-commit batcher, like the web's, and is
checked there as a web cast is: the sender's failures first (before any
look-up), then the token, then the words, read against the token's ballot
(:class:`_Reading`: what ``A 3 1 B 2`` means depends on its contests).  It is
committed before the reply is written, and the reply is kept for Twilio's
retries in that same transaction (the batcher's ``also``), so a member is
never told that a vote counted which is not on disk, and a retry never gets
"already used" for a vote that counted.  What the text and its receipt cost
is counted in that transaction too, against the ballot voted in; every other
text's cost goes through :mod:`ballotbox.adapters.httpkit.usage`.  The
request reads nothing for a vote; for any other text its session only reads
(the retry look-up, the limit, the token) and never takes SQLite's write lock.
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
from ballotbox.services.batching import AnsweredBefore, NotRecordedError
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


def _read(body: str) -> tuple[str | None, grammar.Message | BallotboxError]:
    """The language a text names (``CYMRAEG``, ``ENGLISH``) and what it asks, or why it
    cannot be read (answered as an error, after the retry look-up)."""
    language, rest = sms_language.split_language(body)
    try:
        return language, grammar.read_message(rest)
    except BallotboxError as error:
        return language, error


class _Reading:
    """A vote's words, read in its batch once the token's ballot is known.

    What they mean depends on the ballot (its contests' letters, candidate
    numbers, yes/no questions).  The ballot it was read against also chooses
    the language of the answer: the language the text named (``CYMRAEG``), else
    the ballot's first, else ``default``.
    """

    def __init__(self, preferences: tuple[str, ...], language: str | None, default: str) -> None:
        self.preferences, self.language, self.locale = preferences, language, default
        self.definition: ElectionDefinition | None = None

    def __call__(self, definition: ElectionDefinition) -> list[int] | dict[str, list[int]]:
        self.definition = definition
        self.locale = self.language or ballot_languages(definition, self.locale)[0]
        with using(self.locale):  # an error may spell out an example in the member's words
            if definition.single:
                [shape] = replies.shapes(definition).values()
                return grammar.read_preferences(self.preferences, shape)
            return grammar.read_ballot(self.preferences, replies.shapes(definition))


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
        self.language, self.message = _read(self.body)

    @property
    def votes(self) -> bool:
        """A vote: its batch finds out whether it is a retry (see :meth:`vote`)."""
        return isinstance(self.message, grammar.Vote)

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
        failure: BallotboxError | None = None
        definition: ElectionDefinition | None = None
        reading: _Reading | None = None
        try:
            language, message = self.language, self.message
            if language:
                set_locale(language)
            if isinstance(message, BallotboxError):
                raise message
            if isinstance(message, grammar.Help):
                return self.kept(replies.help_reply())
            if isinstance(message, grammar.Vote):
                reading = _Reading(message.preferences, language, current_locale())
                return self.vote(message.token, reading)
            self.guard.check("sms", self.sender, self.session)
            try:
                if isinstance(message, grammar.Check | grammar.Dispute):
                    return self.after_publication(message)
                # The token alone: the ballot to vote on, or, once published, what it recorded.
                found = vote_or_check(self.session, self.ctx, parse(message.token), "sms")
            except _TOKEN_FAILURES as error:
                failure = error
                raise
            if isinstance(found, CheckedVote):
                return self.kept(checktext.check_messages(found))
            definition = definition_of(found)
            set_locale(language or ballot_languages(definition, current_locale())[0])
            return self.kept(replies.ballot_reply(found, definition))
        except BallotboxError as error:
            if (
                isinstance(error, TokenUsedError)
                and (first := self.first_reply(fresh=True)) is not None
            ):
                return first  # a retry whose first delivery voted meanwhile: never charged
            if isinstance(error, _TOKEN_FAILURES) and failure is None:
                failure = error  # refused by the batcher: an unknown, spent or mistyped token
            if reading is not None and reading.definition is not None:
                definition = reading.definition  # refused once its ballot was known:
                set_locale(reading.locale)  # answered in the ballot's language, as a receipt is
            final = not isinstance(error, NotRecordedError)  # a retry should try again
            return self.kept(replies.error_reply(error, definition), failure=failure, final=final)

    def vote(self, token: str, reading: _Reading) -> str:
        """Cast the text's vote; the receipt's messages, committed with the vote.

        Everything is checked in the batch, as for a web or API cast: whether
        Twilio is retrying a message already answered (its kept reply is the
        answer), the sender's failures (before any look-up), then the token
        (parsed there, so a mistyped one counts as a failure too), the ballot,
        and the words read against its contests (:class:`_Reading`).  The
        request reads nothing of its own for a vote.
        """
        said: list[str] = []

        def remember(session: Session, receipt: CastReceipt) -> None:
            definition = receipt.definition
            assert definition is not None  # cast() always gives it
            with using(reading.locale):  # the batcher's thread: the member's language
                said.extend(replies.receipt_reply(receipt, definition, self.public_url))
            # In the vote's own transaction: kept for retries, and counted, with the vote.
            if self.sid:
                self.guard.remember(session, self.sid, self.body, _SEPARATOR.join(said))
            sent = {costs.SMS_IN: self.received, costs.SMS_OUT: len(said)}
            costs.count_on_commit(session, receipt.election, sent)

        # The request's session is never begun for a vote: no connection held while it waits.
        retry_of = (self.sid, self.body) if self.sid else None
        try:
            self.caster(
                token, reading, "sms", also=remember, source=("sms", self.sender), retry_of=retry_of
            )
        except AnsweredBefore as kept:  # Twilio retrying: the first delivery's reply, uncharged
            self.counted = True
            return kept.reply
        self.counted = True
        return _SEPARATOR.join(said)  # committed, and so are the reply and the count

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
    text = None if answer.votes else answer.first_reply()  # a vote's batch looks for itself
    if text is None:  # not a retry: count what the text and its answer cost
        text = answer()
        if not answer.counted:
            sent = len(text.split(_SEPARATOR))  # each reply message is one segment (replies)
            count_metered(request, ctx, "sms", {costs.SMS_IN: answer.received, costs.SMS_OUT: sent})
    response = MessagingResponse()
    for message in text.split(_SEPARATOR):
        response.message(message)
    return twiml(response)
