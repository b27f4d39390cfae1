"""The super admin's decisions on tenants, platform statistics and the audit log."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.admin.repository import AdminRepository
from bookwell.admin.schemas import ActiveCounts, StatisticsOut, TenantCounts, UserCounts
from bookwell.businesses.activation import require_verified_owners
from bookwell.businesses.service import ENTITY_BUSINESS
from bookwell.errors import BusinessRuleViolation, NotFound
from bookwell.kit.audit import record, snapshot
from bookwell.kit.cache import Cache, catalog_changed
from bookwell.kit.clock import utcnow
from bookwell.kit.pagination import PageRequest
from bookwell.kit.tenancy import Actor
from bookwell.models import AuditEntry, Business, BusinessStatus, User, UserType


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    REACTIVATE = "reactivate"


# decision -> (statuses it may be taken from, status it leads to)
TRANSITIONS: dict[Decision, tuple[frozenset[BusinessStatus], BusinessStatus]] = {
    Decision.APPROVE: (
        frozenset({BusinessStatus.PENDING, BusinessStatus.REJECTED}),
        BusinessStatus.ACTIVE,
    ),
    Decision.REJECT: (frozenset({BusinessStatus.PENDING}), BusinessStatus.REJECTED),
    Decision.SUSPEND: (frozenset({BusinessStatus.ACTIVE}), BusinessStatus.SUSPENDED),
    Decision.REACTIVATE: (frozenset({BusinessStatus.SUSPENDED}), BusinessStatus.ACTIVE),
}

# For the message of a refused decision: "A pending business cannot be suspended".
PAST_TENSE: dict[Decision, str] = {
    Decision.APPROVE: "approved",
    Decision.REJECT: "rejected",
    Decision.SUSPEND: "suspended",
    Decision.REACTIVATE: "reactivated",
}

BOOKINGS_NOTE = "Booking statistics arrive with the bookings feature (a later issue)."


async def tenants(
    session: AsyncSession, status: BusinessStatus | None, page: PageRequest
) -> tuple[list[tuple[Business, list[User]]], int]:
    """Businesses (optionally of one status), oldest first, with their owners."""
    repository = AdminRepository(session)
    businesses, total = await repository.tenants(status, page.offset, page.limit)
    owners = await repository.owners([b.id for b in businesses])
    return [(b, owners.get(b.id, [])) for b in businesses], total


async def owners_of(session: AsyncSession, business_id: uuid.UUID) -> list[User]:
    return (await AdminRepository(session).owners([business_id])).get(business_id, [])


def _refusal(
    status: BusinessStatus, decision: Decision, allowed_from: frozenset[BusinessStatus]
) -> str:
    """Why a decision is refused, e.g. 'An active business cannot be approved; only
    pending or rejected businesses can be'."""
    article = "An" if status.value[0] in "aeiou" else "A"
    allowed = " or ".join(sorted(s.value for s in allowed_from))
    return (
        f"{article} {status.value} business cannot be {PAST_TENSE[decision]}; "
        f"only {allowed} businesses can be"
    )


async def decide(
    session: AsyncSession,
    cache: Cache,
    admin: User,
    business_id: uuid.UUID,
    decision: Decision,
    reason: str | None = None,
) -> Business:
    """Move a tenant along pending -> active | rejected, active <-> suspended.
    A decision that does not fit the current status is refused (422), and so is
    making active a business whose owner has not verified their email."""
    repository = AdminRepository(session)
    business = await repository.lock_business(business_id)
    if business is None:
        raise NotFound("Business not found")
    allowed_from, target = TRANSITIONS[decision]
    if business.status not in allowed_from:
        raise BusinessRuleViolation(_refusal(business.status, decision, allowed_from))
    if target is BusinessStatus.ACTIVE:
        await require_verified_owners(session, business.id)
    before = snapshot(business)
    now = utcnow()
    business.status = target
    business.decided_at = now
    business.updated_at = now
    business.rejection_reason = reason if target is not BusinessStatus.ACTIVE else None
    await session.flush()
    await record(
        session,
        actor=Actor(user=admin),
        business_id=business.id,
        action=decision.value,
        entity_type=ENTITY_BUSINESS,
        entity_id=business.id,
        before=before,
        after=snapshot(business),
    )
    catalog_changed(session, cache)
    return business


async def statistics(session: AsyncSession) -> StatisticsOut:
    """Platform counts from the database; no section is estimated."""
    repository = AdminRepository(session)
    tenants_by_status = await repository.tenants_by_status()
    users_by_type = await repository.users_by_type()
    services = await repository.services_by_active()
    masters = await repository.masters_by_active()
    return StatisticsOut(
        tenants=TenantCounts(
            pending=tenants_by_status.get(BusinessStatus.PENDING, 0),
            active=tenants_by_status.get(BusinessStatus.ACTIVE, 0),
            rejected=tenants_by_status.get(BusinessStatus.REJECTED, 0),
            suspended=tenants_by_status.get(BusinessStatus.SUSPENDED, 0),
            total=sum(tenants_by_status.values()),
        ),
        users=UserCounts(
            customer=users_by_type.get(UserType.CUSTOMER, 0),
            specialist=users_by_type.get(UserType.SPECIALIST, 0),
            super_admin=users_by_type.get(UserType.SUPER_ADMIN, 0),
            total=sum(users_by_type.values()),
        ),
        services=ActiveCounts(total=sum(services.values()), active=services.get(True, 0)),
        masters=ActiveCounts(total=sum(masters.values()), active=masters.get(True, 0)),
        bookings=None,
        note=BOOKINGS_NOTE,
    )


async def audit_log(
    session: AsyncSession,
    *,
    business_id: uuid.UUID | None,
    action: str | None,
    entity_type: str | None,
    page: PageRequest,
) -> tuple[list[AuditEntry], int]:
    """Every audit entry of the platform, newest first, optionally filtered."""
    return await AdminRepository(session).audit_page(
        business_id=business_id,
        action=action,
        entity_type=entity_type,
        offset=page.offset,
        limit=page.limit,
    )
