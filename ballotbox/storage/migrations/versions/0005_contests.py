"""contests: a ballot holds one or more contests; candidates belong to a contest

Each existing election becomes a one-contest ballot: one ``contest`` row, key
``A``, at position 0, with the election's title, method and seats, and its
candidates keyed to that contest.  ``election.method`` and ``election.seats``
move to the contest.  The stored definition text is not touched: the opening
commitment signed its hash, and a one-contest definition reads as exactly this
one contest.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contest",
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["election_id"], ["election.id"]),
        sa.PrimaryKeyConstraint("election_id", "key"),
    )
    op.execute(
        "INSERT INTO contest (election_id, key, position, title, method, seats) "
        "SELECT id, 'A', 0, title, method, seats FROM election"
    )
    _key_candidates_by_contest()
    # Plain ALTER TABLE (SQLite ≥ 3.35 drops columns in place): rebuilding the election
    # table would mean dropping a table every other table refers to.
    op.execute("ALTER TABLE election DROP COLUMN method")
    op.execute("ALTER TABLE election DROP COLUMN seats")


def _key_candidates_by_contest() -> None:
    """candidate gains contest_key (every row so far: A), in its key and referring to contest."""
    contest_key: sa.Column[str] = sa.Column(
        "contest_key",
        sqlmodel.sql.sqltypes.AutoString(length=1),
        nullable=False,
        server_default="A",
    )
    key = ["election_id", "contest_key", "number"]
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_candidate_on_sqlite(with_contest=True)
        return
    op.add_column("candidate", contest_key)
    op.alter_column("candidate", "contest_key", server_default=None)
    op.drop_constraint("candidate_pkey", "candidate", type_="primary")
    op.create_primary_key("candidate_pkey", "candidate", key)
    op.create_foreign_key(
        "fk_candidate_contest",
        "candidate",
        "contest",
        ["election_id", "contest_key"],
        ["election_id", "key"],
    )


def _rebuild_candidate_on_sqlite(*, with_contest: bool) -> None:
    """SQLite cannot change a primary key in place: copy candidate into a new table.

    Nothing refers to candidate, so dropping the old table is safe with foreign keys on.
    ``with_contest``: the new table has contest_key (every copied row: A), or loses it.
    """
    columns = [
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("statement", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("group", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    ]
    constraints: list[sa.schema.SchemaItem] = [
        sa.ForeignKeyConstraint(["election_id"], ["election.id"])
    ]
    key = ["election_id", "number"]
    if with_contest:
        key.insert(1, "contest_key")
        columns.insert(
            1, sa.Column("contest_key", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False)
        )
        constraints.append(
            sa.ForeignKeyConstraint(
                ["election_id", "contest_key"],
                ["contest.election_id", "contest.key"],
                name="fk_candidate_contest",
            )
        )
    op.create_table("_candidate_new", *columns, *constraints, sa.PrimaryKeyConstraint(*key))
    if with_contest:
        op.execute(
            "INSERT INTO _candidate_new "
            '(election_id, contest_key, number, name, statement, url, "group") '
            "SELECT election_id, 'A', number, name, statement, url, \"group\" FROM candidate"
        )
    else:
        op.execute(
            'INSERT INTO _candidate_new (election_id, number, name, statement, url, "group") '
            'SELECT election_id, number, name, statement, url, "group" FROM candidate'
        )
    op.drop_table("candidate")
    op.rename_table("_candidate_new", "candidate")


def downgrade() -> None:
    op.add_column(
        "election",
        sa.Column(
            "method",
            sqlmodel.sql.sqltypes.AutoString(length=32),
            nullable=False,
            server_default="scottish-stv",
        ),
    )
    op.add_column("election", sa.Column("seats", sa.Integer(), nullable=False, server_default="1"))
    op.execute(
        "UPDATE election SET "
        "method = (SELECT method FROM contest WHERE contest.election_id = election.id "
        "AND contest.position = 0), "
        "seats = (SELECT seats FROM contest WHERE contest.election_id = election.id "
        "AND contest.position = 0)"
    )
    op.execute("DELETE FROM candidate WHERE contest_key <> 'A'")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_candidate_on_sqlite(with_contest=False)
    else:
        op.drop_constraint("fk_candidate_contest", "candidate", type_="foreignkey")
        op.drop_constraint("candidate_pkey", "candidate", type_="primary")
        op.create_primary_key("candidate_pkey", "candidate", ["election_id", "number"])
        op.drop_column("candidate", "contest_key")
    op.drop_table("contest")
