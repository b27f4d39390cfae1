from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from bookwell.app import create_app
from bookwell.models import Base
from tests.catalog.builders import CatalogBuilder
from tests.conftest import make_settings


@pytest.fixture
def catalog(app: FastAPI) -> CatalogBuilder:
    return CatalogBuilder(app)


@pytest.fixture
async def sqlite_and_postgres_apps(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[tuple[FastAPI, FastAPI]]:
    """Two apps at once: one on a fresh SQLite copy, one on an emptied PostgreSQL."""
    postgres_url: str = request.getfixturevalue("postgres_url")
    sqlite_path = tmp_path / "side-by-side.db"
    shutil.copyfile(sqlite_template, sqlite_path)
    apps = [
        create_app(make_settings(tmp_path, f"sqlite:///{sqlite_path}")),
        create_app(make_settings(tmp_path, postgres_url)),
    ]
    async with apps[1].state.db.engine.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        await connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    lifespans = [app.router.lifespan_context(app) for app in apps]
    for lifespan in lifespans:
        await lifespan.__aenter__()
    yield apps[0], apps[1]
    for lifespan in reversed(lifespans):
        await lifespan.__aexit__(None, None, None)
