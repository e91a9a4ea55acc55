"""Postal errors, placed in the core's tree so every adapter already knows how to show them::

InputError
├── EntryError            a keyed entry is not a ballot and not marked spoilt
└── LoginError            wrong username or password
StateError
├── PermissionDeniedError the teller's role does not allow this
├── KeyingError           e.g. keying a letter twice, or one already resolved
└── PendingLettersError   counting while letters are pending
NotFoundError
└── UnknownBatchError
RateLimitedError
├── SignInLimitedError    too many wrong passwords from one address for one username
└── AccountLockedError    the same, told with the time the pair is free again
"""

from __future__ import annotations

from ballotbox.core.errors import (
    InputError,
    LifecycleError,
    NotFoundError,
    RateLimitedError,
    StateError,
)
from ballotbox.core.i18n import N_


class EntryError(InputError):
    code = "entry"
    template = N_("That entry cannot be saved.")

    def __init__(self, template: str | None = None, /, field: str = "", **params: object) -> None:
        self.field = field
        super().__init__(template, **params)


class LoginError(InputError):
    code = "login_failed"
    template = N_("Wrong username or password.")


class SignInLimitedError(RateLimitedError):
    code = "sign_in_limited"
    template = N_(
        "Too many wrong passwords from here. Please wait {minutes} minutes and try again, "
        "or ask the returning officer."
    )


class AccountLockedError(RateLimitedError):
    code = "account_locked"
    template = N_(
        "Too many wrong passwords from here: this account is locked until {until} for this "
        "address. Ask the returning officer if you need it sooner."
    )


class PermissionDeniedError(StateError):
    code = "permission_denied"
    template = N_("Your role ({role}) does not allow this.")


class KeyingError(StateError):
    code = "keying"
    template = N_("That letter cannot be keyed now.")


class PendingLettersError(LifecycleError):
    code = "letters_pending"
    template = N_(
        "“{slug}” has {count} postal letter(s) still pending (not keyed twice, or waiting for "
        "adjudication). Finish them, or override with a reason: "
        'ballotbox tally {slug} --override-pending "REASON"'
    )


class UnknownBatchError(NotFoundError):
    code = "unknown_batch"
    template = N_("There is no batch {batch} for this election.")
