"""The migrations and the models agree, and the history goes down and up again cleanly."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from services import contexts
from services.cli import alembic_config
from shared.db import make_engine
from tests.conftest import RUN, drop_database, needs, recreate_database


async def _drift(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}),
                    contexts.metadata(),
                )
            )
    finally:
        await engine.dispose()


def test_history_is_one_line() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://")).get_heads()
    assert len(heads) == 1, f"migration history has several heads: {heads}"


async def test_postgres_migrations_match_models_and_round_trip() -> None:
    needs("postgres")
    name = f"tongxin_migrations_{RUN}"
    url = await recreate_database(name)
    config = alembic_config(url)
    try:
        await asyncio.to_thread(command.upgrade, config, "head")
        assert await _drift(url) == []
        await asyncio.to_thread(command.check, config)
        await asyncio.to_thread(command.downgrade, config, "base")
        await asyncio.to_thread(command.upgrade, config, "head")
        assert await _drift(url) == []
    finally:
        await drop_database(name)


async def test_sqlite_migrations_match_models_and_round_trip(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    config = alembic_config(url)
    await asyncio.to_thread(command.upgrade, config, "head")
    assert await _drift(url) == []
    await asyncio.to_thread(command.downgrade, config, "base")
    await asyncio.to_thread(command.upgrade, config, "head")
    assert await _drift(url) == []
