"""members: a phone column on the register, the officer action log, usage counters

``member.phone`` keeps the number a register gives (a doubtful one is a
warning at import, never a dropped member).  ``officer_action`` records who
merged or removed a member, edited or deleted a draft, and why.
``usage_counter`` holds bare per-election totals of SMS segments and call
seconds for the cost report: no number, no token, no time.

Revision ID: 0007_members
Revises: 0005 (the newest on this branch; 0006_guards is reserved for the hardening merge)
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0007_members"
down_revision = "0006_guards"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "phone",
                sqlmodel.sql.sqltypes.AutoString(length=40),
                nullable=False,
                server_default="",
            )
        )
    op.create_table(
        "officer_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_officer_action_slug", "officer_action", ["slug"], unique=False)
    op.create_table(
        "usage_counter",
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "kind"),
    )


def downgrade() -> None:
    op.drop_table("usage_counter")
    op.drop_index("ix_officer_action_slug", table_name="officer_action")
    op.drop_table("officer_action")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("phone")
