"""Managers of a business: invited by the owner by email (staff once they accept:
staff/invitations.py), each tied to locations of the business, which they then
manage (with their masters) and nothing else."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.config import Settings
from bookwell.errors import NotFound
from bookwell.kit.audit import record_change, snapshot
from bookwell.kit.clock import utcnow
from bookwell.kit.tenancy import BusinessAccess
from bookwell.models import BusinessRole, Invitation, Membership, User
from bookwell.staff.invitations import invite, location_details
from bookwell.staff.repository import InvitationRepository, MembershipRepository
from bookwell.staff.schemas import ManagerCreateIn, ManagerUpdateIn
from bookwell.staff.service import business_locations
from bookwell.users.repository import UserRepository

ENTITY_MANAGER = "manager"


@dataclass(frozen=True, slots=True)
class StaffManager:
    membership: Membership
    user: User


def _state(membership: Membership) -> dict[str, Any]:
    """The audited state: the membership's columns and its locations."""
    return {
        **snapshot(membership),
        "location_ids": sorted(str(location.id) for location in membership.locations),
    }


async def list_managers(session: AsyncSession, access: BusinessAccess) -> list[StaffManager]:
    """The business's managers (owner and managers read them)."""
    access.require_manager()
    rows = await MembershipRepository(session, access.business_id).with_users(BusinessRole.MANAGER)
    return [StaffManager(membership, user) for membership, user in rows]


async def appoint_manager(
    session: AsyncSession, settings: Settings, access: BusinessAccess, data: ManagerCreateIn
) -> Invitation:
    """Invite the owner of this email to manage these locations (owner only); they
    become a manager only by accepting."""
    access.require_full()
    locations = await business_locations(session, access, data.location_ids)
    details = {
        "location_ids": location_details(location.id for location in locations),
        "first_name": data.first_name,
        "last_name": data.last_name,
    }
    return await invite(session, settings, access, data.email, BusinessRole.MANAGER, details)


async def _manager(
    session: AsyncSession, access: BusinessAccess, membership_id: uuid.UUID
) -> tuple[Membership, User]:
    membership = await MembershipRepository(session, access.business_id).get_role(
        membership_id, BusinessRole.MANAGER
    )
    user = await UserRepository(session).get(membership.user_id) if membership else None
    if membership is None or user is None:
        raise NotFound("Manager not found")
    return membership, user


async def update_manager(
    session: AsyncSession, access: BusinessAccess, membership_id: uuid.UUID, data: ManagerUpdateIn
) -> StaffManager:
    """Replace the locations a manager manages (owner)."""
    access.require_full()
    membership, user = await _manager(session, access, membership_id)
    before = _state(membership)
    membership.locations = await business_locations(session, access, data.location_ids)
    await session.flush()
    after = _state(membership)
    if after != before:
        await record_change(
            session,
            access,
            action="update",
            entity_type=ENTITY_MANAGER,
            entity_id=membership.id,
            before=before,
            after=after,
        )
    return StaffManager(membership, user)


async def remove_manager(
    session: AsyncSession, access: BusinessAccess, membership_id: uuid.UUID
) -> None:
    """End the appointment (owner); the user account and any other role stay."""
    access.require_full()
    membership, user = await _manager(session, access, membership_id)
    before = _state(membership)
    memberships = MembershipRepository(session, access.business_id)
    await memberships.delete(membership)
    if user.email is not None:
        # An invitation accepted later must not bring the manager back.
        await InvitationRepository(session, access.business_id).withdraw_pending(
            user.email, BusinessRole.MANAGER, utcnow()
        )
    await record_change(
        session,
        access,
        action="delete",
        entity_type=ENTITY_MANAGER,
        entity_id=membership_id,
        before=before,
    )
