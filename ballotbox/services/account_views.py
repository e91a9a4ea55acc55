"""What the CLI and the console show about accounts (never a password hash or a secret)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from ballotbox.services import accounts
from ballotbox.services.context import Context
from ballotbox.services.elections import aware
from ballotbox.services.postal import queries
from ballotbox.services.roles import ROLE_NAMES, Permission
from ballotbox.storage.models_postal import Role, Teller


@dataclass(frozen=True)
class AccountRow:
    """One account as listed."""

    username: str
    role: str
    has_codes: bool
    sessions: int
    locked_until: datetime | None


def accounts_list(session: Session, ctx: Context, who: Teller | None = None) -> list[AccountRow]:
    """Every account, by username (``who`` None: the officer at the command line)."""
    accounts.require(who, Permission.MANAGE_ACCOUNTS)
    now = ctx.clock.now()
    rows = []
    for account in queries.tellers(session):
        assert account.id is not None
        live = [s for s in queries.sessions_of(session, account.id) if aware(s.expires_at) > now]
        rows.append(
            AccountRow(
                username=account.username,
                role=ROLE_NAMES.get(Role(account.role), account.role),
                has_codes=account.totp_secret is not None,
                sessions=len(live),
                locked_until=accounts.locked_until(session, ctx, account.username),
            )
        )
    return rows
