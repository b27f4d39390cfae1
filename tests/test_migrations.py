"""Migrations from an empty database, on SQLite and PostgreSQL, and their agreement
with the models.

`run_migrations` blocks and calls `asyncio.run` itself, so these tests are plain
(sync) functions; database inspection runs on its own loop via `run_in_thread`.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, MetaData, String, Uuid, func, inspect, select, text
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bookwell.config import Settings
from bookwell.kit.clock import utcnow
from bookwell.migrations import alembic_config, downgrade, include_name, run_migrations
from bookwell.models import Base
from bookwell.models.base import UTCDateTime
from tests.conftest import TEST_DATABASE_URL, run_in_thread, unavailable

APP_TABLES = {"users", "auth_sessions", "refresh_tokens", "api_keys"}
# Per process, so that test runs side by side on one server do not collide.
MIGRATIONS_DATABASE = f"bookwell_migrations_test_{os.getpid()}"


async def _recreate_pg_database(url: str, *, create: bool = True) -> None:
    target = make_url(url)
    admin_url = target.set(drivername="postgresql+asyncpg", database="postgres")
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(
                text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
            )
            if create:
                await connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        await engine.dispose()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    # A folder that does not exist yet: the migration must create it.
    path = tmp_path / "new" / "folder" / "fresh.db"
    return Settings(_env_file=None, database_url=f"sqlite:///{path}")  # type: ignore[call-arg]


@pytest.fixture
def postgresql_settings() -> Iterator[Settings]:
    """A brand-new, empty PostgreSQL database on the TEST_DATABASE_URL server."""
    url = make_url(TEST_DATABASE_URL).set(database=MIGRATIONS_DATABASE)
    plain_url = url.render_as_string(hide_password=False)
    try:
        run_in_thread(asyncio.wait_for(_recreate_pg_database(plain_url), 15))
    except Exception as exc:
        unavailable("PostgreSQL at TEST_DATABASE_URL", f"{type(exc).__name__}: {exc}")
    try:
        yield Settings(_env_file=None, database_url=plain_url)  # type: ignore[call-arg]
    finally:
        run_in_thread(_recreate_pg_database(plain_url, create=False))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_settings(request: pytest.FixtureRequest) -> Settings:
    settings: Settings = request.getfixturevalue(f"{request.param}_settings")
    return settings


def _inspect(settings: Settings, check: Any) -> Any:
    """Run `check(sync_connection)` against the database of `settings`."""

    async def go() -> Any:
        engine = create_async_engine(settings.async_database_url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(check)
        finally:
            await engine.dispose()

    return run_in_thread(go())


def _tables(settings: Settings) -> set[str]:
    return set(_inspect(settings, lambda c: inspect(c).get_table_names()))


def _current_revisions(settings: Settings) -> set[str]:
    def current(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    return set(_inspect(settings, current))


def _differences(settings: Settings, metadata: MetaData) -> list[Any]:
    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": include_name,
            },
        )
        return list(compare_metadata(context, metadata))

    return list(_inspect(settings, compare))


def _head(settings: Settings) -> str:
    head = ScriptDirectory.from_config(alembic_config(settings)).get_current_head()
    assert head is not None
    return head


def test_migration_history_is_linear() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    script = ScriptDirectory.from_config(alembic_config(settings))
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1


def test_upgrade_downgrade_upgrade_from_empty(fresh_settings: Settings) -> None:
    url = make_url(fresh_settings.async_database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        assert not Path(url.database).parent.exists()
    else:
        assert _tables(fresh_settings) == set()

    run_migrations(fresh_settings)
    assert _tables(fresh_settings) >= APP_TABLES | {"alembic_version"}
    assert _current_revisions(fresh_settings) == {_head(fresh_settings)}

    downgrade(fresh_settings, "base")
    assert _tables(fresh_settings) - {"alembic_version"} == set()
    assert _current_revisions(fresh_settings) == set()

    run_migrations(fresh_settings, "head")
    assert _tables(fresh_settings) >= APP_TABLES | {"alembic_version"}
    assert _current_revisions(fresh_settings) == {_head(fresh_settings)}

    # Upgrading an up-to-date database is a no-op, not an error.
    run_migrations(fresh_settings)
    assert _current_revisions(fresh_settings) == {_head(fresh_settings)}


def test_migrated_tables_accept_the_models_data(fresh_settings: Settings) -> None:
    """Foreign keys and cascades made by the migration work as the models expect."""
    run_migrations(fresh_settings)

    tables = Base.metadata.tables

    def count(connection: Connection, name: str) -> int:
        return int(connection.scalar(select(func.count()).select_from(tables[name])) or 0)

    def exercise(connection: Connection) -> tuple[int, int]:
        if connection.dialect.name == "sqlite":
            connection.execute(text("PRAGMA foreign_keys=ON"))
        user, session = uuid.uuid4(), uuid.uuid4()
        # Core inserts: the models' column defaults fill in everything else.
        connection.execute(
            tables["users"].insert().values(id=user, email="a@example.com", first_name="A")
        )
        connection.execute(
            tables["auth_sessions"].insert().values(id=session, user_id=user, platform="web")
        )
        connection.execute(
            tables["refresh_tokens"]
            .insert()
            .values(id=uuid.uuid4(), session_id=session, token_hash="h", expires_at=utcnow())
        )
        assert (count(connection, "auth_sessions"), count(connection, "refresh_tokens")) == (1, 1)
        connection.execute(tables["users"].delete())
        result = count(connection, "auth_sessions"), count(connection, "refresh_tokens")
        connection.rollback()
        return result

    assert _inspect(fresh_settings, exercise) == (0, 0)


def test_models_and_migrations_agree(fresh_settings: Settings) -> None:
    run_migrations(fresh_settings)
    assert _differences(fresh_settings, Base.metadata) == []


def test_model_comparison_does_see_a_difference(fresh_settings: Settings) -> None:
    """Guard for the test above: a column the migrations lack is reported."""
    run_migrations(fresh_settings)
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    metadata.tables["users"].append_column(Column("nickname", String(50)))

    differences = _differences(fresh_settings, metadata)
    assert [(d[0], d[2], d[3].name) for d in differences] == [("add_column", "users", "nickname")]


def test_consent_migrations_keep_what_was_proved(fresh_settings: Settings) -> None:
    """20261205_0007 marks verified only super admins and users who used an invitation
    link; 20261205_0008 turns every invitation into one of an email, keeping its token
    (a link already emailed still works) and its state."""
    run_migrations(fresh_settings, "20261122_0006")
    tables = Base.metadata.tables
    old_invitations = sa_table(
        "invitations",
        sa_column("id", Uuid()),
        sa_column("user_id", Uuid()),
        sa_column("business_id", Uuid()),
        sa_column("token_hash", String()),
        sa_column("created_at", UTCDateTime()),
        sa_column("expires_at", UTCDateTime()),
        sa_column("used_at", UTCDateTime()),
    )
    admin, joined, placeholder, manager, plain = (uuid.uuid4() for _ in range(5))
    business = uuid.uuid4()
    now = utcnow()

    def seed(connection: Connection) -> None:
        for user_id, email, user_type in (
            (admin, "root@example.com", "super_admin"),
            (joined, "joined@example.com", "customer"),
            (placeholder, "placeholder@example.com", "customer"),
            (manager, "manager@example.com", "customer"),
            (plain, "plain@example.com", "customer"),
        ):
            connection.execute(
                tables["users"]
                .insert()
                .values(id=user_id, email=email, first_name="U", user_type=user_type)
            )
        connection.execute(
            tables["businesses"]
            .insert()
            .values(id=business, name="B", subdomain="b-shop", status="active", timezone="UTC")
        )
        for user_id in (joined, placeholder):
            connection.execute(
                tables["masters"]
                .insert()
                .values(id=uuid.uuid4(), business_id=business, user_id=user_id)
            )
        for user_id, token, used in (
            (joined, "a" * 64, now),
            (placeholder, "b" * 64, None),
            (manager, "c" * 64, None),
        ):
            connection.execute(
                old_invitations.insert().values(
                    id=uuid.uuid4(),
                    user_id=user_id,
                    business_id=business,
                    token_hash=token,
                    created_at=now,
                    expires_at=now,
                    used_at=used,
                )
            )
        connection.commit()

    _inspect(fresh_settings, seed)
    run_migrations(fresh_settings)

    def read(connection: Connection) -> tuple[set[str], set[tuple[str, str, str, str]]]:
        users = tables["users"]
        verified = connection.execute(
            select(users.c.email).where(users.c.email_verified_at.is_not(None))
        ).scalars()
        invitations = tables["staff_invitations"]
        rows = connection.execute(
            select(
                invitations.c.email,
                invitations.c.role,
                invitations.c.status,
                invitations.c.token_hash,
            )
        ).all()
        return set(verified), {tuple(row) for row in rows}

    verified, invitations = _inspect(fresh_settings, read)
    assert verified == {"root@example.com", "joined@example.com"}
    assert invitations == {
        ("joined@example.com", "master", "accepted", "a" * 64),
        ("placeholder@example.com", "master", "pending", "b" * 64),
        ("manager@example.com", "manager", "pending", "c" * 64),
    }
    downgrade(fresh_settings, "20261122_0006")
    assert "invitations" in _tables(fresh_settings)
    assert "staff_invitations" not in _tables(fresh_settings)
