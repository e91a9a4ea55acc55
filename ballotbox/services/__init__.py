"""The service layer: every change to an election goes through here.

Services take a session and a :class:`Context`, flush but never commit: the
caller (request dependency or CLI command) owns the transaction.
"""

from ballotbox.services.context import Context

__all__ = ["Context"]
