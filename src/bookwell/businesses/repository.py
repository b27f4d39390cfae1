"""Every query of the businesses domain. Rows a business owns go through a
TenantRepository; the businesses table itself is the tenant list."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.kit.tenancy import TenantRepository
from bookwell.models import (
    ApiKey,
    AuditEntry,
    Business,
    BusinessRole,
    BusinessStatus,
    Location,
    Membership,
    Service,
    User,
)


class BusinessRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def subdomain_taken(self, subdomain: str) -> bool:
        found = await self.session.scalar(
            select(Business.id).where(Business.subdomain == subdomain)
        )
        return found is not None

    async def add_unique(self, business: Business) -> bool:
        """Insert the business; False if its subdomain was taken meanwhile."""
        try:
            async with self.session.begin_nested():
                self.session.add(business)
        except IntegrityError:
            return False
        return True

    async def has_unverified_owner(self, business_id: uuid.UUID) -> bool:
        """Whether an owner of the business has not proved their email."""
        found = await self.session.scalar(
            select(User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.business_id == business_id,
                Membership.role == BusinessRole.OWNER,
                or_(User.email.is_(None), User.email_verified_at.is_(None)),
            )
            .limit(1)
        )
        return found is not None

    async def solo_waiting_for(self, owner_id: uuid.UUID) -> list[Business]:
        """The owner's one-person businesses still pending without a decision of a
        super admin: those that waited for the owner's email alone."""
        result = await self.session.execute(
            select(Business)
            .join(Membership, Membership.business_id == Business.id)
            .where(
                Membership.user_id == owner_id,
                Membership.role == BusinessRole.OWNER,
                Business.is_solo.is_(True),
                Business.status == BusinessStatus.PENDING,
                Business.decided_at.is_(None),
            )
        )
        return list(result.scalars())

    async def of_member(self, user_id: uuid.UUID) -> list[tuple[Business, list[BusinessRole]]]:
        """The businesses the user has a role in, oldest first, with the roles."""
        rows = await self.session.execute(
            select(Business, Membership.role)
            .join(Membership, Membership.business_id == Business.id)
            .where(Membership.user_id == user_id)
            .order_by(Business.created_at, Business.id)
        )
        roles: dict[uuid.UUID, list[BusinessRole]] = defaultdict(list)
        businesses: dict[uuid.UUID, Business] = {}
        for business, role in rows:
            businesses[business.id] = business
            roles[business.id].append(role)
        return [(business, sorted(roles[business.id])) for business in businesses.values()]


class MembershipRepository(TenantRepository[Membership]):
    model = Membership


class LocationRepository(TenantRepository[Location]):
    model = Location

    async def active(self, only: Collection[uuid.UUID] | None = None) -> list[Location]:
        """Active locations by name; `only` narrows them to these ids."""
        statement = self.scoped().where(Location.is_active.is_(True))
        if only is not None:
            statement = statement.where(Location.id.in_(list(only)))
        result = await self.session.execute(statement.order_by(Location.name, Location.id))
        return list(result.scalars())

    async def get_active(self, location_id: uuid.UUID) -> Location | None:
        result = await self.session.execute(
            self.scoped().where(Location.id == location_id, Location.is_active.is_(True))
        )
        location: Location | None = result.scalar_one_or_none()
        return location


class ApiKeyRepository(TenantRepository[ApiKey]):
    model = ApiKey

    async def live(self) -> list[ApiKey]:
        result = await self.session.execute(
            self.scoped().where(ApiKey.revoked_at.is_(None)).order_by(ApiKey.created_at.desc())
        )
        return list(result.scalars())

    async def get_live(self, key_id: uuid.UUID) -> ApiKey | None:
        result = await self.session.execute(
            self.scoped().where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        )
        key: ApiKey | None = result.scalar_one_or_none()
        return key


class AuditRepository(TenantRepository[AuditEntry]):
    model = AuditEntry

    async def page(self, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
        """Newest first."""
        total = await self.count()
        result = await self.session.execute(
            self.scoped()
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list(result.scalars()), total


class ServiceRepository(TenantRepository[Service]):
    model = Service
