"""The Alembic migrations are one straight line and build exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import ballotbox.storage.models  # noqa: F401
from ballotbox.storage.db import make_engine
from ballotbox.storage.migrate import alembic_config, is_current, upgrade


def test_there_is_exactly_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "two migrations claim the same parent: chain them"


def test_upgrading_an_empty_database_gives_the_models_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    assert not is_current(engine)
    upgrade(engine)
    assert is_current(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
