"""Account roles (returning officer, supervisor, teller, scrutineer) and what each may do.  Pure."""

from __future__ import annotations

from enum import StrEnum

from ballotbox.storage.models_postal import Role


class Permission(StrEnum):
    """One thing an account can be allowed to do."""

    KEY = "key"  # key letters (first or second entry)
    OPEN_BATCH = "open_batch"
    ADJUDICATE = "adjudicate"
    READ = "read"  # batches, reconciliation report, action log
    OVERSEE = "oversee"  # the officers' console, read-only: ballots, dashboards, officer log
    RUN_BALLOTS = "run_ballots"  # create, issue cards, open, close, count, publish
    MANAGE_ACCOUNTS = "manage_accounts"  # reset another account's password or one-time codes


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.OFFICER: frozenset(Permission),
    Role.SUPERVISOR: frozenset(
        {Permission.KEY, Permission.OPEN_BATCH, Permission.ADJUDICATE, Permission.READ}
    ),
    Role.TELLER: frozenset({Permission.KEY, Permission.READ}),
    Role.SCRUTINEER: frozenset({Permission.READ, Permission.OVERSEE}),
}

ROLE_NAMES: dict[Role, str] = {
    Role.OFFICER: "returning officer",
    Role.SUPERVISOR: "supervisor",
    Role.TELLER: "teller",
    Role.SCRUTINEER: "scrutineer",
}


def parse_role(text: str) -> Role:
    """The role called ``text`` (``returning-officer`` and ``officer`` both work)."""
    cleaned = text.strip().lower().replace("_", "-")
    if cleaned in {"returning-officer", "ro"}:
        cleaned = Role.OFFICER.value
    try:
        return Role(cleaned)
    except ValueError:
        raise ValueError(
            f"unknown role {text!r}; choose one of: {', '.join(r.value for r in Role)}"
        ) from None


def allowed(role: str, permission: Permission) -> bool:
    """True when ``role`` grants ``permission``."""
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False
