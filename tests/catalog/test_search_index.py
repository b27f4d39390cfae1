"""Migrations 20261121_0003 and 20261122_0006: default categories, FTS5 kept in step
on SQLite, GIN indexes that PostgreSQL actually uses for the search expressions."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, func, literal, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bookwell.catalog.search import PostgresSearch
from bookwell.config import Settings
from bookwell.migrations import downgrade, run_migrations
from bookwell.models import Category, SearchOffer, Service
from tests.catalog.builders import CatalogBuilder
from tests.conftest import make_settings, run_in_thread

DEFAULTS = {
    "consultation", "workshop", "coaching", "beauty", "hair", "nails",
    "massage", "fitness", "health", "education", "legal", "finance",
}  # fmt: skip


def _search_objects(connection: Connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            text(
                "SELECT name FROM sqlite_master "
                "WHERE name LIKE 'services_fts%' OR name = 'ix_search_offers_document'"
            )
        )
    else:
        rows = connection.execute(
            text(
                "SELECT indexname FROM pg_indexes WHERE tablename IN ('services', 'search_offers')"
            )
        )
    return {row[0] for row in rows}


def _inspect(settings: Settings) -> tuple[set[str], dict[str, dict[str, str]]]:
    async def go() -> tuple[set[str], dict[str, dict[str, str]]]:
        engine = create_async_engine(settings.async_database_url)
        try:
            async with engine.connect() as connection:
                objects = await connection.run_sync(_search_objects)
                rows = await connection.execute(select(Category.id, Category.names))
                return objects, {row[0]: row[1] for row in rows}
        finally:
            await engine.dispose()

    return run_in_thread(go())


def test_upgrade_and_downgrade(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, database_url)
    objects, categories = _inspect(settings)
    assert "ix_search_offers_document" in objects
    if database_url.startswith("sqlite"):
        # The test template was migrated, not truncated: the defaults are there.
        assert set(categories) == DEFAULTS
        assert {
            "services_fts",
            "services_fts_insert",
            "services_fts_update",
            "services_fts_delete",
        } <= objects
    else:
        assert "ix_services_name_trgm" in objects
        # Replaced by the projection's document (20261122_0006).
        assert "ix_services_search_document" not in objects

    downgrade(settings, "20261122_0005")
    objects, _categories = _inspect(settings)
    assert "ix_search_offers_document" not in objects
    if not database_url.startswith("sqlite"):
        assert "ix_services_search_document" in objects

    downgrade(settings, "20261121_0002")
    objects, categories = _inspect(settings)
    assert not (set(categories) & DEFAULTS)
    assert not {o for o in objects if o.startswith(("services_fts", "ix_services_search"))}
    assert "ix_services_name_trgm" not in objects

    run_migrations(settings)
    objects, categories = _inspect(settings)
    assert set(categories) == DEFAULTS
    for names in categories.values():
        assert set(names) == {"en", "ru", "kk"}
        assert all(names.values())
    assert categories["hair"] == {"en": "Hair", "ru": "Волосы", "kk": "Шаш"}


async def test_sqlite_full_text_table_follows_the_services(
    app: FastAPI, catalog: CatalogBuilder
) -> None:
    if app.state.db.dialect != "sqlite":
        pytest.skip("FTS5 is the SQLite implementation")
    service_id = await catalog.offer("Yoga class", description="Morning flow")

    async def fts(match: str) -> int:
        async with app.state.db.session() as session:
            count = await session.scalar(
                text("SELECT count(*) FROM services_fts WHERE services_fts MATCH :q"),
                {"q": match},
            )
            return int(count or 0)

    assert (await fts("yoga"), await fts("morning")) == (1, 1)
    await catalog.update_service(service_id, name="Pilates class", price=1)
    assert (await fts("yoga"), await fts("pilates"), await fts("morning")) == (0, 1, 1)
    async with app.state.db.session() as session:
        await session.delete(await session.get(Service, service_id))
    assert (await fts("pilates"), await fts("morning")) == (0, 0)
    async with app.state.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Service)) == 0


async def test_postgresql_uses_the_search_indexes(app: FastAPI, catalog: CatalogBuilder) -> None:
    if app.state.db.dialect != "postgresql":
        pytest.skip("GIN indexes are the PostgreSQL implementation")
    await catalog.offer("Yoga class")
    search = PostgresSearch()
    query = search.word_query(["yoga", "cl"])
    words = search.words(literal(query.anywhere), literal(query.in_name))
    similar = search.similar(literal("yga"))
    assert similar is not None
    async with app.state.db.engine.connect() as connection:
        # A tiny table is scanned otherwise; forbid that to see which index fits.
        await connection.execute(text("SET LOCAL enable_seqscan = off"))
        for statement, index in (
            (select(SearchOffer.service_id).where(words.condition), "ix_search_offers_document"),
            (select(Service.id).where(similar.condition), "ix_services_name_trgm"),
        ):
            compiled = statement.compile(
                dialect=connection.dialect, compile_kwargs={"literal_binds": True}
            )
            plan = "\n".join(
                row[0] for row in await connection.execute(text(f"EXPLAIN {compiled}"))
            )
            assert index in plan, plan
        found = await connection.scalar(
            select(func.count()).select_from(SearchOffer).where(words.condition)
        )
        assert found == 1
