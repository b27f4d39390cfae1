"""Every query on masters, their memberships, services and invitations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.kit.tenancy import TenantRepository
from bookwell.models import (
    BusinessRole,
    Category,
    Invitation,
    Location,
    Master,
    Membership,
    Service,
    User,
    service_masters,
)


class MasterRepository(TenantRepository[Master]):
    model = Master

    async def with_users(self, user_id: uuid.UUID | None = None) -> list[tuple[Master, User]]:
        """Masters of the business with their users (only `user_id`'s when given)."""
        joined = select(Master, User).join(User, User.id == Master.user_id)
        statement = self.scoped(cast("Select[Any]", joined))
        if user_id is not None:
            statement = statement.where(Master.user_id == user_id)
        result = await self.session.execute(statement.order_by(User.first_name, User.last_name))
        return [(master, user) for master, user in result]

    async def by_user(self, user_id: uuid.UUID) -> Master | None:
        result = await self.session.execute(self.scoped().where(Master.user_id == user_id))
        master: Master | None = result.scalar_one_or_none()
        return master

    async def existing_ids(self, master_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these ids are masters of this business."""
        wanted = set(master_ids)
        if not wanted:
            return set()
        result = await self.session.execute(
            self.scoped(select(Master.id)).where(Master.id.in_(wanted))
        )
        return set(result.scalars())

    async def add_unique(self, master: Master) -> bool:
        """Insert the master; False when the user is already a master here."""
        try:
            async with self.session.begin_nested():
                await self.add(master)
        except IntegrityError:
            return False
        return True


class MembershipRepository(TenantRepository[Membership]):
    model = Membership

    async def find(self, user_id: uuid.UUID, role: BusinessRole) -> Membership | None:
        result = await self.session.execute(
            self.scoped().where(Membership.user_id == user_id, Membership.role == role)
        )
        membership: Membership | None = result.scalar_one_or_none()
        return membership

    async def with_users(self, role: BusinessRole) -> list[tuple[Membership, User]]:
        """Memberships of one role with their users, by name."""
        joined = select(Membership, User).join(User, User.id == Membership.user_id)
        result = await self.session.execute(
            self.scoped(cast("Select[Any]", joined))
            .where(Membership.role == role)
            .order_by(User.first_name, User.last_name, Membership.id)
        )
        return [(membership, user) for membership, user in result]

    async def get_role(self, membership_id: uuid.UUID, role: BusinessRole) -> Membership | None:
        result = await self.session.execute(
            self.scoped().where(Membership.id == membership_id, Membership.role == role)
        )
        membership: Membership | None = result.scalar_one_or_none()
        return membership

    async def add_unique(self, membership: Membership) -> bool:
        """Insert the membership; False when the user already has this role here."""
        try:
            async with self.session.begin_nested():
                await self.add(membership)
        except IntegrityError:
            return False
        return True

    async def roles_of(self, user_id: uuid.UUID) -> set[BusinessRole]:
        result = await self.session.execute(
            self.scoped(select(Membership.role)).where(Membership.user_id == user_id)
        )
        return set(result.scalars())

    async def user_ids(self, role: BusinessRole) -> set[uuid.UUID]:
        result = await self.session.execute(
            self.scoped(select(Membership.user_id)).where(Membership.role == role)
        )
        return set(result.scalars())


class LocationRepository(TenantRepository[Location]):
    model = Location

    async def many(self, location_ids: Iterable[uuid.UUID]) -> list[Location]:
        wanted = set(location_ids)
        if not wanted:
            return []
        result = await self.session.execute(self.scoped().where(Location.id.in_(wanted)))
        return list(result.scalars())


class ServiceRepository(TenantRepository[Service]):
    model = Service

    async def all(
        self, master_id: uuid.UUID | None = None, *, active_only: bool = False
    ) -> list[Service]:
        """Services of the business (only those `master_id` delivers, when given)."""
        statement = self.scoped()
        if master_id is not None:
            statement = statement.join(
                service_masters, service_masters.c.service_id == Service.id
            ).where(service_masters.c.master_id == master_id)
        if active_only:
            statement = statement.where(Service.is_active.is_(True))
        result = await self.session.execute(statement.order_by(Service.created_at, Service.id))
        return list(result.scalars())

    async def of_master(self, service_id: uuid.UUID, master_id: uuid.UUID) -> Service | None:
        result = await self.session.execute(
            self.scoped()
            .join(service_masters, service_masters.c.service_id == Service.id)
            .where(Service.id == service_id, service_masters.c.master_id == master_id)
        )
        service: Service | None = result.scalar_one_or_none()
        return service

    async def master_ids(
        self, service_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """The masters linked to each of these services of this business."""
        linked: dict[uuid.UUID, list[uuid.UUID]] = {service_id: [] for service_id in service_ids}
        if not service_ids:
            return linked
        result = await self.session.execute(
            self.scoped(
                select(service_masters.c.service_id, service_masters.c.master_id)
                .select_from(Service)
                .join(service_masters, service_masters.c.service_id == Service.id)
            )
            .where(Service.id.in_(service_ids))
            .order_by(service_masters.c.master_id)
        )
        for service_id, master_id in result:
            linked[service_id].append(master_id)
        return linked

    async def set_masters(self, service: Service, master_ids: Iterable[uuid.UUID]) -> None:
        """Link exactly these masters (already checked to be of this business)."""
        if service.business_id != self.business_id:
            raise ValueError("service of another business")
        await self.session.execute(
            delete(service_masters).where(service_masters.c.service_id == service.id)
        )
        rows = [{"service_id": service.id, "master_id": m} for m in sorted(set(master_ids))]
        if rows:
            await self.session.execute(insert(service_masters), rows)


class InvitationRepository(TenantRepository[Invitation]):
    model = Invitation

    async def pending_user_ids(
        self, user_ids: Iterable[uuid.UUID], now: datetime
    ) -> set[uuid.UUID]:
        """Users with an unused, unexpired invitation to this business."""
        wanted = set(user_ids)
        if not wanted:
            return set()
        result = await self.session.execute(
            self.scoped(select(Invitation.user_id)).where(
                Invitation.user_id.in_(wanted),
                Invitation.used_at.is_(None),
                Invitation.expires_at > now,
            )
        )
        return set(result.scalars())

    async def withdraw_pending(self, user_id: uuid.UUID) -> None:
        """Delete the user's unused invitations to this business."""
        await self.session.execute(
            delete(Invitation).where(
                Invitation.business_id == self.business_id,
                Invitation.user_id == user_id,
                Invitation.used_at.is_(None),
            )
        )


class InvitationTokenRepository:
    """Finds an invitation by its token. The token itself is the proof of access (as a
    refresh token or an API key is), so this lookup is not scoped to a business; the
    business comes from the row found."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_token_hash(self, token_hash: str) -> Invitation | None:
        result = await self.session.execute(
            select(Invitation).where(Invitation.token_hash == token_hash)
        )
        return result.scalar_one_or_none()

    async def mark_used(self, invitation_id: uuid.UUID, now: datetime) -> bool:
        """Claim the invitation; False when another request used it first."""
        result = await self.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation_id, Invitation.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class CategoryRepository:
    """Categories are platform-wide, not owned by a business."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def exists(self, category_id: str) -> bool:
        found = await self.session.scalar(select(Category.id).where(Category.id == category_id))
        return found is not None
