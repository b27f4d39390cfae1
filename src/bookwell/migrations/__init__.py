"""Alembic migrations; `run_migrations` applies them to the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from bookwell.config import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent


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
