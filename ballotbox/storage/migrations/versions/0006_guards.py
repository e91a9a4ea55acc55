"""guards: failure counts and Twilio retry replies shared by every worker and host

Revision ID: 0006_guards
Revises: 0005 (0005_contests)
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_guards"
down_revision = "0005"  # 0005_contests.py
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guard_count",
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_guard_count_expires", "guard_count", ["expires"])
    op.create_table(
        "guard_reply",
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_guard_reply_expires", "guard_reply", ["expires"])


def downgrade() -> None:
    op.drop_index("ix_guard_reply_expires", table_name="guard_reply")
    op.drop_table("guard_reply")
    op.drop_index("ix_guard_count_expires", table_name="guard_count")
    op.drop_table("guard_count")
