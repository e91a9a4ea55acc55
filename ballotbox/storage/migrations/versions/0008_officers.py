"""officers: one-time codes on accounts, sign-in throttle by account and source, officer log

The ``teller`` table becomes every account's table (returning officer,
supervisor, teller, scrutineer): it gains a TOTP secret and the last code
step used.  Its per-account lockout columns go: a lockout is now kept per
account *and* source in ``login_throttle``, so nobody can lock an officer
out from another address.  ``officer_action`` logs console and CLI actions
by ballot slug; it has no token, member or vote column.

It follows 0007_members, which created ``officer_action`` (shared by the
console, the CLI and the register services).

Revision ID: 0008
Revises: 0007_members
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0008"
down_revision = "0007_members"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "teller",
        sa.Column("totp_secret", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.add_column(
        "teller", sa.Column("totp_step", sa.Integer(), nullable=False, server_default="0")
    )
    # Plain ALTER TABLE (SQLite ≥ 3.35 drops columns in place), as in 0005.
    op.execute("ALTER TABLE teller DROP COLUMN failed_logins")
    op.execute("ALTER TABLE teller DROP COLUMN locked_until")
    op.create_table(
        "login_throttle",
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", "source"),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
    op.add_column(
        "teller", sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("teller", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.execute("ALTER TABLE teller DROP COLUMN totp_step")
    op.execute("ALTER TABLE teller DROP COLUMN totp_secret")
