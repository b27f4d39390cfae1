"""The one rule of activation: a business becomes active only once every owner has
verified their email. Every path to `active` passes here: a super admin's approval
or reactivation (admin/service.py), and a one-person business opened at sign-up,
which activates itself when its specialist verifies (unless
SOLO_SPECIALIST_NEEDS_APPROVAL, then it waits for a super admin like any other)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.businesses.repository import BusinessRepository
from bookwell.config import Settings
from bookwell.errors import BusinessRuleViolation
from bookwell.kit.audit import record, snapshot
from bookwell.kit.cache import Cache, catalog_changed
from bookwell.kit.clock import utcnow
from bookwell.kit.tenancy import Actor
from bookwell.models import BusinessStatus, User


async def require_verified_owners(session: AsyncSession, business_id: uuid.UUID) -> None:
    """Refuse (422) to make the business active while an owner's email is unverified."""
    if await BusinessRepository(session).has_unverified_owner(business_id):
        raise BusinessRuleViolation(
            "The owner of this business has not verified their email yet; it can become "
            "active once they have"
        )


def solo_status(settings: Settings, owner: User) -> BusinessStatus:
    """The status a one-person business opens with: active only for a verified owner
    when no approval is needed."""
    if settings.solo_specialist_needs_approval or not owner.email_verified:
        return BusinessStatus.PENDING
    return BusinessStatus.ACTIVE


async def owner_verified(
    session: AsyncSession, settings: Settings, cache: Cache, owner: User
) -> None:
    """The owner just verified their email: their one-person businesses that waited
    for it alone become active."""
    if settings.solo_specialist_needs_approval:
        return
    waiting = await BusinessRepository(session).solo_waiting_for(owner.id)
    for business in waiting:
        before = snapshot(business)
        business.status = BusinessStatus.ACTIVE
        business.updated_at = utcnow()
        await session.flush()
        await record(
            session,
            actor=Actor(user=owner),
            business_id=business.id,
            action="activate",
            entity_type="business",
            entity_id=business.id,
            before=before,
            after=snapshot(business),
        )
    if waiting:
        catalog_changed(session, cache)
