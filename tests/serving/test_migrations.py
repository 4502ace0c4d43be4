"""The Alembic migrations build exactly the tables ``serving/tables.py`` declares.

A fresh database is upgraded to head and compared with the metadata by Alembic's own
autogenerate comparison (tables, columns, types, nullability, indexes, unique and foreign
keys, server defaults): a column added to one and not the other shows up as a difference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from serving.db import make_engine, upgrade
from serving.tables import metadata


def _differences(engine: sa.Engine, target: sa.MetaData) -> list[Any]:
    """What autogenerate would write to turn the database's schema into ``target``."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, target)


def _upgraded(url: str) -> sa.Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def test_the_migrations_make_the_declared_tables_on_sqlite(tmp_path: Path) -> None:
    engine = _upgraded(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert set(metadata.tables) <= set(sa.inspect(engine).get_table_names())
        assert _differences(engine, metadata) == []
    finally:
        engine.dispose()


def test_the_comparison_sees_a_column_the_migrations_lack(tmp_path: Path) -> None:
    engine = _upgraded(f"sqlite:///{tmp_path / 'fresh.db'}")
    changed = sa.MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["decisions"].append_column(sa.Column("extra", sa.Text, nullable=True))
    try:
        differences = _differences(engine, changed)
    finally:
        engine.dispose()
    assert [(d[0], d[2], d[3].name) for d in differences] == [("add_column", "decisions", "extra")]


@pytest.mark.postgres
def test_the_migrations_make_the_declared_tables_on_postgresql(postgres_url: str) -> None:
    engine = _upgraded(postgres_url)
    try:
        assert engine.dialect.name == "postgresql"
        assert _differences(engine, metadata) == []
    finally:
        engine.dispose()
