"""formats: each member's card format and language

``member.card_format`` (standard, large-print, ballot-paper,
ballot-paper-large; existing members get standard) and ``member.language``
(a language code, or empty).  Neither says anything about a token.

Revision ID: 0010_formats
Revises: 0009_offline
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0010_formats"
down_revision = "0009_offline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "card_format",
                sqlmodel.sql.sqltypes.AutoString(length=24),
                nullable=False,
                server_default="standard",
            )
        )
        batch_op.add_column(
            sa.Column(
                "language",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("language")
        batch_op.drop_column("card_format")
