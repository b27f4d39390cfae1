"""Alembic migrations; `run_migrations` applies them to the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import NameFilterParentNames, NameFilterType

from bookwell.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent

# Search objects made by raw SQL in migration 20261121_0003 (FTS5 on SQLite, the
# pg_trgm index on PostgreSQL); the models do not describe them.
_SEARCH_TABLE_PREFIX = "services_fts"
_SEARCH_INDEXES = frozenset({"ix_services_name_trgm"})


def include_name(
    name: str | None, type_: NameFilterType, parent_names: NameFilterParentNames
) -> bool:
    """Autogenerate and model comparison leave the search objects alone."""
    if type_ == "table" and name is not None and name.startswith(_SEARCH_TABLE_PREFIX):
        return False
    return not (type_ == "index" and name in _SEARCH_INDEXES)


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(slug)s")
    config.attributes["database_url"] = settings.async_database_url
    return config


def run_migrations(settings: Settings, revision: str = "head") -> None:
    """Upgrade the database to `revision` (blocking; call it off the event loop)."""
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings), revision)
