"""Queries behind the public business pages: only what a visitor may see."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.kit.tenancy import TenantRepository
from bookwell.models import Business, BusinessStatus, Master, Service, User, service_masters


class PublicBusinessRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def active_by_subdomain(self, subdomain: str) -> Business | None:
        result = await self.session.execute(
            select(Business).where(
                Business.subdomain == subdomain, Business.status == BusinessStatus.ACTIVE
            )
        )
        return result.scalar_one_or_none()


class PublicServiceRepository(TenantRepository[Service]):
    model = Service

    async def active(self) -> list[Service]:
        result = await self.session.execute(
            self.scoped().where(Service.is_active.is_(True)).order_by(Service.name, Service.id)
        )
        return list(result.scalars())


class PublicMasterRepository(TenantRepository[Master]):
    model = Master

    async def active(self) -> list[tuple[Master, User]]:
        """Active masters whose accounts are active, by name."""
        rows = await self.session.execute(
            self.scoped()
            .add_columns(User)
            .join(User, User.id == Master.user_id)
            .where(Master.is_active.is_(True), User.is_active.is_(True))
            .order_by(User.first_name, User.last_name, Master.id)
        )
        return [(row[0], row[1]) for row in rows]

    async def active_master_ids(
        self, service_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """For each service, its active masters with active accounts (of this business
        only): the same people the masters page lists."""
        if not service_ids:
            return {}
        rows = await self.session.execute(
            self.scoped(
                select(service_masters.c.service_id, Master.id)
                .select_from(service_masters)
                .join(Master, Master.id == service_masters.c.master_id)
                .join(User, User.id == Master.user_id)
            )
            .where(
                service_masters.c.service_id.in_(service_ids),
                Master.is_active.is_(True),
                User.is_active.is_(True),
            )
            .order_by(Master.created_at, Master.id)
        )
        masters: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for service_id, master_id in rows:
            masters[service_id].append(master_id)
        return masters
