"""Domain errors: what can go wrong, in the election's own words.

No HTTP codes here.  Each adapter (web page, JSON API, SMS reply, spoken
sentence, CLI line) maps these in one place.  The tree::

    BallotboxError
    ├── InputError                 the user typed or uploaded something malformed
    │   ├── TokenFormatError
    │   │   ├── TokenCharacterError   a character that is not a digit
    │   │   ├── TokenLengthError      too few or too many digits
    │   │   └── TokenChecksumError    a typing error caught by the check digits
    │   ├── ChoiceError            the choices are not a valid ballot for the method
    │   ├── DefinitionError        an election definition (TOML) has problems
    │   ├── FileFormatError        a .blt, CSV or other file is malformed (line, expected)
    │   ├── SettingsError          a BALLOTBOX_* environment variable has a bad value
    │   ├── ReasonRequiredError    an officer action that must say why, without a reason
    │   └── OutputExistsError      a file or folder to be written exists (never overwritten)
    ├── NotFoundError
    │   ├── UnknownTokenError      well-formed but not issued for any election
    │   └── UnknownElectionError
    ├── StateError                 the request is fine but the election's state forbids it
    │   ├── TokenUsedError         the token has already cast a ballot
    │   ├── TokenVoidError         the card was voided before opening
    │   ├── ElectionNotOpenError   not yet open, or already closed
    │   │   └── VotingPausedError  the database is behind its witnessed chain head
    │   ├── LifecycleError         e.g. counting an election that is still open
    │   │   ├── ChainBehindError   the same, told to the officer with what to do
    │   │   ├── NoTokensIssuedError  opening a ballot no one could vote in
    │   │   └── DraftLockedError   editing or deleting a ballot whose cards exist
    │   ├── NotCheckableError      votes are checked only once the list is published
    │   ├── DisputeLimitError      a token already has the most reports kept
    │   ├── MemberHasCardError     removing or merging away a member who was given a card
    │   └── RegisterFrozenError    changing the registers of a closed ballot
    └── RateLimitedError           too many failed attempts from one source

Every error carries a stable ``code`` (for JSON and tests) and a message
template marked for translation; ``str(error)`` renders it in the current
locale with its parameters.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ballotbox.core.i18n import N_, _


class BallotboxError(Exception):
    """Base of every error a user or operator may be shown."""

    code: ClassVar[str] = "error"
    template: ClassVar[str] = N_("Something went wrong.")

    def __init__(self, template: str | None = None, /, **params: Any) -> None:
        self._template = template or type(self).template
        self.params = params
        super().__init__(self._template)

    @property
    def message(self) -> str:
        """The message in the current locale, parameters filled in."""
        text = _(self._template)
        return text.format(**self.params) if self.params else text

    def __str__(self) -> str:
        return self.message


class InputError(BallotboxError):
    code = "invalid_input"
    template = N_("That input is not valid.")


class TokenFormatError(InputError):
    code = "token_format"
    template = N_("That is not a ballot token.")


class TokenCharacterError(TokenFormatError):
    code = "token_character"
    template = N_(
        "The token can only contain digits; “{character}” at position {position} is not a digit."
    )


class TokenLengthError(TokenFormatError):
    code = "token_length"
    template = N_("The token has {found} digits but a ballot token has {expected}. Check the card.")


class TokenChecksumError(TokenFormatError):
    code = "token_checksum"
    template = N_("The token has a typing error: check the digits against your card.")


class ReceiptCodeError(InputError):
    code = "receipt_format"
    template = N_(
        "A receipt code has 8 letters and digits, such as ABCD2345; or paste the whole "
        "receipt the voting page gave you."
    )


class ReceiptLookalikeError(ReceiptCodeError):
    """An O, 0, I or 1 in a receipt code: codes never use them, so none is mistaken."""

    code = "receipt_lookalike"
    template = N_(
        "Receipt codes never use O, 0, I or 1, so none can be mistaken for another, but this "
        "one has {chars}. Please check it against the code you were given."
    )


class ChoiceError(InputError):
    """Choices that are not a valid ballot; ``contest`` names the contest's key when known."""

    code = "invalid_choices"
    template = N_("Those choices are not a valid ballot.")
    contest: str | None = None

    def in_contest(self, key: str) -> ChoiceError:
        """This error, marked as being about contest ``key`` (returned for ``raise``)."""
        self.contest = key
        return self


class DefinitionError(InputError):
    """An election definition failed validation; ``problems`` lists every one."""

    code = "invalid_definition"
    template = N_("The election definition has {count} problem(s):\n{listing}")

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:  # one problem, one line
            one = N_("The election definition has a problem: {problem}")
            BallotboxError.__init__(self, one, problem=problems[0])
            return
        super().__init__(count=len(problems), listing="\n".join(f"  - {p}" for p in problems))


class FileFormatError(InputError):
    """A file could not be read; ``line`` is 1-based where known."""

    code = "file_format"
    template = N_("{source}, line {line}: {problem}")

    def __init__(self, problem: str, *, source: str = "input", line: int | None = None) -> None:
        self.problem = problem
        self.source = source
        self.line = line
        if line is None:
            BallotboxError.__init__(self, N_("{source}: {problem}"), source=source, problem=problem)
        else:
            super().__init__(source=source, line=line, problem=problem)


class SettingsError(InputError):
    code = "invalid_settings"
    template = N_("A setting in the environment is not valid: {problems}")


class OutputExistsError(InputError):
    """Refusing to overwrite: cards, registers, labels and bundles never replace a file."""

    code = "output_exists"
    template = N_("{path} already exists; choose another name or move the old file away first.")


class NotFoundError(BallotboxError):
    code = "not_found"
    template = N_("Not found.")


class UnknownTokenError(NotFoundError):
    code = "unknown_token"
    template = N_(
        "That token was not issued for any ballot. Check the digits; if they are right, "
        "contact the returning officer."
    )


class UnknownElectionError(NotFoundError):
    code = "unknown_election"
    template = N_("There is no election called “{slug}”.")


class StateError(BallotboxError):
    code = "state"
    template = N_("That cannot be done now.")


class TokenUsedError(StateError):
    code = "token_used"
    template = N_("This token has already been used to vote. Each token votes once.")


class TokenVoidError(StateError):
    code = "token_void"
    template = N_("This card was cancelled before voting opened and cannot be used.")


class ElectionNotOpenError(StateError):
    code = "election_not_open"
    template = N_("Voting is not open.")


class LifecycleError(StateError):
    code = "lifecycle"
    template = N_("The election is {state}; {action} is not possible now.")


class RateLimitedError(BallotboxError):
    code = "rate_limited"
    template = N_("Too many attempts. Please wait a few minutes and try again.")


class VotingPausedError(ElectionNotOpenError):
    """The database is behind the chain head witnessed outside it (e.g. an old backup restored)."""

    code = "voting_paused"
    template = N_(
        "Voting is paused while the returning officer checks the records. Your vote has not "
        "been recorded; please try again later."
    )


class ChainBehindError(LifecycleError):
    """The officer's view of :class:`VotingPausedError`: what is missing and what to do."""

    code = "chain_behind"
    # i18n: officer
    template = N_(
        "“{slug}” is on hold: {detail} Votes acknowledged after that point would be lost. "
        "Restore a newer backup, or, if the loss is accepted, record why: "
        'ballotbox election override-restore {slug} --reason "…"'
    )


class ReasonRequiredError(InputError):
    """An action the officer action log must explain was asked for without a reason."""

    code = "reason_required"
    # i18n: officer
    template = N_(
        '{action} needs a reason, which is kept in the officer action log (--reason "…").'
    )


class NoTokensIssuedError(LifecycleError):
    """Opening a ballot with no usable token: no one could vote in it."""

    code = "no_tokens_issued"
    # i18n: officer
    template = N_(
        "“{slug}” cannot open: {why}, so no one could vote; it stays a draft. "
        "Issue cards first: ballotbox tokens issue {slug} --count N …"
    )


class DraftLockedError(LifecycleError):
    """A ballot that can no longer be edited or deleted, and why."""

    code = "draft_locked"
    # i18n: officer
    template = N_("“{slug}” cannot be {action}: {why}")


class MemberHasCardError(StateError):
    """A member who was given a card cannot be removed: that card stays valid."""

    code = "member_has_card"
    # i18n: officer
    template = N_(
        "{org} member {number} was given a card ({how}, {on}); it cannot be {action}. "
        "Cards are not linked to members, so that card cannot be found or cancelled and stays "
        "valid; removing the member would hide a valid card."
    )


class RegisterFrozenError(StateError):
    """The registers of a closed ballot are part of its record and do not change."""

    code = "register_frozen"
    # i18n: officer
    template = N_("Voting in “{slug}” has closed; its registers are kept as they were.")


class NotCheckableError(StateError):
    """A vote is checked against the published list, so only after publication."""

    code = "not_checkable"
    template = N_(
        "Votes can be checked once the results and the list of votes are published, "
        "after voting has closed. Please try again then."
    )


class DisputeLimitError(StateError):
    """A token has as many reports as one member could need; more would only be noise."""

    code = "dispute_limit"
    template = N_(
        "This token has already been reported {count} times. The returning officer has "
        "your reports; please write to them if you need to add anything."
    )


class UnknownCardFormatError(InputError):
    """A member's card format was set to something that is not one."""

    code = "unknown_card_format"
    # i18n: officer
    template = N_("“{value}” is not a card format; use one of {formats}.")


class UnknownLanguageError(InputError):
    """A member's language was set to one ballotbox has no catalogue for."""

    code = "unknown_language"
    # i18n: officer
    template = N_("“{value}” is not a language ballotbox has; use one of {languages}.")
