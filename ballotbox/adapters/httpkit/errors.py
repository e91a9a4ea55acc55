"""The one place domain errors become HTTP statuses."""

from __future__ import annotations

from ballotbox.adapters.httpkit.security import CsrfError
from ballotbox.core.errors import (
    BallotboxError,
    InputError,
    NotFoundError,
    RateLimitedError,
    StateError,
)


def status_for(error: BallotboxError) -> int:
    """The HTTP status for a domain error."""
    if isinstance(error, CsrfError):
        return 403
    if isinstance(error, InputError):
        return 422
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, StateError):
        return 409
    if isinstance(error, RateLimitedError):
        return 429
    return 400
