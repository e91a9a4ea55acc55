"""postal keying: tellers, sessions, action log, batches, letters, sealed entries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teller",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("teller", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teller_username"), ["username"], unique=True)

    op.create_table(
        "postal_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("letters", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
        ),
        sa.ForeignKeyConstraint(
            ["opened_by"],
            ["teller.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("postal_batch", schema=None) as batch_op:
        batch_op.create_index("ix_postal_batch_election", ["election_id"], unique=False)

    op.create_table(
        "teller_session",
        sa.Column("sid_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("teller_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["teller_id"],
            ["teller.id"],
        ),
        sa.PrimaryKeyConstraint("sid_hash"),
    )
    with op.batch_alter_table("teller_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_teller_session_teller_id"), ["teller_id"], unique=False
        )

    op.create_table(
        "postal_letter",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column("recording_ref", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["postal_batch.id"],
        ),
        sa.PrimaryKeyConstraint("batch_id", "number"),
    )
    with op.batch_alter_table("postal_letter", schema=None) as batch_op:
        batch_op.create_index("ix_postal_letter_status", ["batch_id", "status"], unique=False)

    op.create_table(
        "teller_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("teller_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("letter_number", sa.Integer(), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["postal_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["teller_id"],
            ["teller.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("teller_action", schema=None) as batch_op:
        batch_op.create_index("ix_teller_action_teller", ["teller_id"], unique=False)

    op.create_table(
        "postal_entry",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("letter_number", sa.Integer(), nullable=False),
        sa.Column("teller_id", sa.Integer(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id", "letter_number"],
            ["postal_letter.batch_id", "postal_letter.number"],
        ),
        sa.ForeignKeyConstraint(
            ["teller_id"],
            ["teller.id"],
        ),
        sa.PrimaryKeyConstraint("batch_id", "letter_number", "teller_id"),
    )


def downgrade() -> None:
    op.drop_table("postal_entry")
    with op.batch_alter_table("teller_action", schema=None) as batch_op:
        batch_op.drop_index("ix_teller_action_teller")

    op.drop_table("teller_action")
    with op.batch_alter_table("postal_letter", schema=None) as batch_op:
        batch_op.drop_index("ix_postal_letter_status")

    op.drop_table("postal_letter")
    with op.batch_alter_table("teller_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teller_session_teller_id"))

    op.drop_table("teller_session")
    with op.batch_alter_table("postal_batch", schema=None) as batch_op:
        batch_op.drop_index("ix_postal_batch_election")

    op.drop_table("postal_batch")
    with op.batch_alter_table("teller", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teller_username"))

    op.drop_table("teller")
