"""The super admin's queries: across tenants on purpose (the tenant list, platform
counts, the whole audit log). One business's rows still go through its
TenantRepository (businesses.repository.AuditRepository)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.models import (
    AuditEntry,
    Business,
    BusinessRole,
    BusinessStatus,
    Master,
    Membership,
    Service,
    User,
)


class AdminRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _page(self, statement: Select[Any], offset: int, limit: int) -> tuple[list[Any], int]:
        total = await self.session.scalar(select(func.count()).select_from(statement.subquery()))
        result = await self.session.execute(statement.offset(offset).limit(limit))
        return list(result.scalars()), int(total or 0)

    async def tenants(
        self, status: BusinessStatus | None, offset: int, limit: int
    ) -> tuple[list[Business], int]:
        """Oldest first, so the queue of pending businesses is worked in order."""
        statement = select(Business).order_by(Business.created_at, Business.id)
        if status is not None:
            statement = statement.where(Business.status == status)
        return await self._page(statement, offset, limit)

    async def owners(self, business_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[User]]:
        if not business_ids:
            return {}
        rows = await self.session.execute(
            select(Membership.business_id, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.business_id.in_(business_ids), Membership.role == BusinessRole.OWNER)
            .order_by(Membership.created_at)
        )
        owners: dict[uuid.UUID, list[User]] = defaultdict(list)
        for business_id, user in rows:
            owners[business_id].append(user)
        return owners

    async def lock_business(self, business_id: uuid.UUID) -> Business | None:
        """The business, locked for a decision (two admins never both decide)."""
        result = await self.session.execute(
            select(Business).where(Business.id == business_id).with_for_update()
        )
        return result.scalar_one_or_none()

    async def _counts(self, column: Any) -> dict[Any, int]:
        rows = await self.session.execute(select(column, func.count()).group_by(column))
        return {row[0]: int(row[1]) for row in rows}

    async def tenants_by_status(self) -> dict[BusinessStatus, int]:
        return await self._counts(Business.status)

    async def users_by_type(self) -> dict[Any, int]:
        return await self._counts(User.user_type)

    async def services_by_active(self) -> dict[bool, int]:
        return await self._counts(Service.is_active)

    async def masters_by_active(self) -> dict[bool, int]:
        return await self._counts(Master.is_active)

    async def audit_page(
        self,
        *,
        business_id: uuid.UUID | None,
        action: str | None,
        entity_type: str | None,
        offset: int,
        limit: int,
    ) -> tuple[list[AuditEntry], int]:
        """Newest first, across every business unless one is asked for."""
        statement = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        if business_id is not None:
            statement = statement.where(AuditEntry.business_id == business_id)
        if action is not None:
            statement = statement.where(AuditEntry.action == action)
        if entity_type is not None:
            statement = statement.where(AuditEntry.entity_type == entity_type)
        return await self._page(statement, offset, limit)
