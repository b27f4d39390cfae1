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
    Business,
    BusinessRole,
    Category,
    Invitation,
    InvitationStatus,
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
    """A business's invitations, as its staff managers see them."""

    model = Invitation

    async def pending(self, email: str, role: BusinessRole) -> Invitation | None:
        result = await self.session.execute(
            self.scoped().where(
                Invitation.email == email,
                Invitation.role == role,
                Invitation.status == InvitationStatus.PENDING,
            )
        )
        invitation: Invitation | None = result.scalar_one_or_none()
        return invitation

    async def add_unique(self, invitation: Invitation) -> bool:
        """Insert the invitation; False when one to this email and role is pending."""
        try:
            async with self.session.begin_nested():
                await self.add(invitation)
        except IntegrityError:
            return False
        return True

    async def listed(self) -> list[Invitation]:
        """Every invitation of the business but withdrawn ones, newest first."""
        result = await self.session.execute(
            self.scoped()
            .where(Invitation.status != InvitationStatus.WITHDRAWN)
            .order_by(Invitation.created_at.desc(), Invitation.id)
        )
        return list(result.scalars())

    async def withdraw_pending(self, email: str, role: BusinessRole, now: datetime) -> None:
        """Withdraw the pending invitation of this email to this role, if any."""
        await self.session.execute(
            update(Invitation)
            .where(
                Invitation.business_id == self.business_id,
                Invitation.email == email,
                Invitation.role == role,
                Invitation.status == InvitationStatus.PENDING,
            )
            .values(status=InvitationStatus.WITHDRAWN, responded_at=now)
            .execution_options(synchronize_session=False)
        )


class InvitationInbox:
    """Invitations as their invitee finds them: by the token of the emailed link (the
    token itself is the proof, as a refresh token is), or by the invitee's verified
    email. Not scoped to a business; the business comes from the row found."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_token_hash(self, token_hash: str) -> Invitation | None:
        result = await self.session.execute(
            select(Invitation).where(Invitation.token_hash == token_hash)
        )
        return result.scalar_one_or_none()

    async def of_email(self, invitation_id: uuid.UUID, email: str) -> Invitation | None:
        """The invitation with this id, if it was sent to this email."""
        result = await self.session.execute(
            select(Invitation).where(Invitation.id == invitation_id, Invitation.email == email)
        )
        return result.scalar_one_or_none()

    async def pending_of_email(
        self, email: str, now: datetime
    ) -> list[tuple[Invitation, Business]]:
        """Unexpired pending invitations to this email, with their businesses."""
        result = await self.session.execute(
            select(Invitation, Business)
            .join(Business, Business.id == Invitation.business_id)
            .where(
                Invitation.email == email,
                Invitation.status == InvitationStatus.PENDING,
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at.desc(), Invitation.id)
        )
        return [(invitation, business) for invitation, business in result]

    async def business(self, business_id: uuid.UUID) -> Business | None:
        return await self.session.get(Business, business_id)

    async def answer(
        self, invitation_id: uuid.UUID, status: InvitationStatus, now: datetime
    ) -> bool:
        """Move a pending invitation to `status`; False when another request answered
        (or its business withdrew it) first."""
        result = await self.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation_id, Invitation.status == InvitationStatus.PENDING)
            .values(status=status, responded_at=now)
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
