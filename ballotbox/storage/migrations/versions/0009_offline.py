"""offline: disputes reported by web, text, phone or post, with no sender details

One table, ``dispute``: the ballot, the token, the receipt code given, whether
the receipt is valid for that token, the channel, the day (never the time)
and the member's words.  Its key is random, so rows keep no arrival order.

Revision ID: 0009_offline
Revises: 0008 (0008_officers.py)
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0009_offline"
down_revision = "0008"  # 0008_officers.py
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispute",
        sa.Column("id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("receipt_code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("receipt_kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("receipt_valid", sa.Boolean(), nullable=False),
        sa.Column("receipt_check", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["election_id"], ["election.id"]),
        sa.PrimaryKeyConstraint("id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_dispute_election_token", "dispute", ["election_id", "token"])


def downgrade() -> None:
    op.drop_index("ix_dispute_election_token", table_name="dispute")
    op.drop_table("dispute")
