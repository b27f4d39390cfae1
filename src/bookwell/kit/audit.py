"""Audit entries: who did what to which entity, with its state before and after."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.kit.tenancy import Actor, BusinessAccess
from bookwell.models import AuditEntry

# Never copied into the log.
_SECRET_COLUMNS = frozenset({"password_hash", "key_hash", "token_hash"})


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(row: Any) -> dict[str, Any]:
    """The row's column values as JSON-safe data (secrets left out)."""
    mapper = inspect(row).mapper
    return {
        column.key: _plain(getattr(row, column.key))
        for column in mapper.column_attrs
        if column.key not in _SECRET_COLUMNS
    }


async def record(
    session: AsyncSession,
    *,
    actor: Actor | None,
    business_id: uuid.UUID | None,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry in the caller's transaction (kept only if it commits)."""
    session.add(
        AuditEntry(
            business_id=business_id,
            actor_user_id=actor.user_id if actor else None,
            actor_api_key_id=actor.api_key_id if actor else None,
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id),
            before=before,
            after=after,
        )
    )


async def record_change(
    session: AsyncSession,
    access: BusinessAccess,
    *,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Audit a change made through a business's routes, by whoever holds `access`."""
    await record(
        session,
        actor=access.actor,
        business_id=access.business_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )
