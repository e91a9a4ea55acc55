"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "election",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("definition", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("election", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_election_slug"), ["slug"], unique=True)

    op.create_table(
        "ballot_token",
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
        ),
        sa.PrimaryKeyConstraint("token_hash"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("ballot_token", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ballot_token_election_state", ["election_id", "state"], unique=False
        )

    op.create_table(
        "candidate",
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("statement", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("group", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
        ),
        sa.PrimaryKeyConstraint("election_id", "number"),
    )
    op.create_table(
        "chain_head",
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("head", sa.LargeBinary(length=32), nullable=False),
        sa.Column("ballots", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
        ),
        sa.PrimaryKeyConstraint("election_id"),
    )
    op.create_table(
        "log_entry",
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("payload", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("entry_hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
        ),
        sa.PrimaryKeyConstraint("election_id", "position"),
    )
    op.create_table(
        "ballot",
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("choices", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["election.id"],
        ),
        sa.ForeignKeyConstraint(
            ["token_hash"],
            ["ballot_token.token_hash"],
        ),
        sa.PrimaryKeyConstraint("token_hash"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.create_index("ix_ballot_election", ["election_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_index("ix_ballot_election")

    op.drop_table("ballot")
    op.drop_table("log_entry")
    op.drop_table("chain_head")
    op.drop_table("candidate")
    with op.batch_alter_table("ballot_token", schema=None) as batch_op:
        batch_op.drop_index("ix_ballot_token_election_state")

    op.drop_table("ballot_token")
    with op.batch_alter_table("election", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_election_slug"))

    op.drop_table("election")
