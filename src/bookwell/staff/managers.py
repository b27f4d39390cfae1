"""Managers of a business: appointed by the owner by email, each tied to locations of
the business, which they then manage (with their masters) and nothing else."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.config import Settings
from bookwell.errors import DuplicateResource, NotFound
from bookwell.kit.audit import record_change, snapshot
from bookwell.kit.clock import utcnow
from bookwell.kit.tenancy import BusinessAccess
from bookwell.models import BusinessRole, Membership, User
from bookwell.staff.repository import InvitationRepository, MembershipRepository
from bookwell.staff.schemas import ManagerCreateIn, ManagerUpdateIn
from bookwell.staff.service import business_locations, invite_if_needed, user_for_email
from bookwell.users.repository import UserRepository

ENTITY_MANAGER = "manager"


@dataclass(frozen=True, slots=True)
class StaffManager:
    membership: Membership
    user: User
    invitation_pending: bool


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
    pending = await InvitationRepository(session, access.business_id).pending_user_ids(
        (user.id for _, user in rows), utcnow()
    )
    return [StaffManager(membership, user, user.id in pending) for membership, user in rows]


async def appoint_manager(
    session: AsyncSession, settings: Settings, access: BusinessAccess, data: ManagerCreateIn
) -> StaffManager:
    """Make the user with this email a manager of these locations (owner). An existing
    user is linked; anyone else gets an account and an emailed invitation, as masters do."""
    access.require_full()
    locations = await business_locations(session, access, data.location_ids)
    user = await user_for_email(session, data.email, data.first_name, data.last_name)
    membership = Membership(user_id=user.id, role=BusinessRole.MANAGER, locations=locations)
    if not await MembershipRepository(session, access.business_id).add_unique(membership):
        raise DuplicateResource("This user is already a manager of this business")
    invited = await invite_if_needed(session, settings, access, user, "manager")
    await record_change(
        session,
        access,
        action="create",
        entity_type=ENTITY_MANAGER,
        entity_id=membership.id,
        after=_state(membership),
    )
    return StaffManager(membership, user, invited)


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
    pending = await InvitationRepository(session, access.business_id).pending_user_ids(
        [user.id], utcnow()
    )
    return StaffManager(membership, user, user.id in pending)


async def remove_manager(
    session: AsyncSession, access: BusinessAccess, membership_id: uuid.UUID
) -> None:
    """End the appointment (owner); the user account and any other role stay."""
    access.require_full()
    membership, user = await _manager(session, access, membership_id)
    before = _state(membership)
    memberships = MembershipRepository(session, access.business_id)
    await memberships.delete(membership)
    # The invitation also lets a master sign in: withdraw it only if no role is left.
    if not await memberships.roles_of(user.id):
        await InvitationRepository(session, access.business_id).withdraw_pending(user.id)
    await record_change(
        session,
        access,
        action="delete",
        entity_type=ENTITY_MANAGER,
        entity_id=membership_id,
        before=before,
    )
