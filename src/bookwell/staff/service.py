"""Staff of a business: masters (invited by email, staff once they accept:
staff/invitations.py) and the business's services."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.bookings.repository import BookingRepository
from bookwell.config import Settings
from bookwell.errors import BusinessRuleViolation, NotFound, ValidationFailed
from bookwell.kit.audit import record_change, snapshot
from bookwell.kit.cache import Cache, catalog_changed
from bookwell.kit.clock import utcnow
from bookwell.kit.tenancy import BusinessAccess
from bookwell.models import (
    BusinessRole,
    Invitation,
    Location,
    Master,
    Service,
    User,
)
from bookwell.specialists.service import apply_service_fields, sent
from bookwell.staff.invitations import invite, location_details
from bookwell.staff.repository import (
    InvitationRepository,
    LocationRepository,
    MasterRepository,
    MembershipRepository,
    ServiceRepository,
)
from bookwell.staff.schemas import (
    BusinessServiceCreateIn,
    BusinessServiceUpdateIn,
    MasterCreateIn,
    MasterUpdateIn,
)
from bookwell.users.repository import UserRepository


@dataclass(frozen=True, slots=True)
class StaffMaster:
    master: Master
    user: User


# --- masters -----------------------------------------------------------------


async def list_masters(session: AsyncSession, access: BusinessAccess) -> list[StaffMaster]:
    """Every master for the owner and managers; a master sees only themselves."""
    own_only = None if access.is_manager else access.actor.user_id
    rows = await MasterRepository(session, access.business_id).with_users(own_only)
    return [StaffMaster(master, user) for master, user in rows]


async def business_locations(
    session: AsyncSession, access: BusinessAccess, location_ids: Iterable[uuid.UUID]
) -> list[Location]:
    """The business's locations with these ids; any other id is a 400."""
    wanted = set(location_ids)
    found = await LocationRepository(session, access.business_id).many(wanted)
    unknown = wanted - {location.id for location in found}
    if unknown:
        raise ValidationFailed.on(
            "locationIds",
            "not locations of this business: " + ", ".join(sorted(map(str, unknown))),
            "UNKNOWN_LOCATION",
        )
    return found


def _require_manager_of(access: BusinessAccess, locations: Iterable[Location]) -> None:
    """The owner, or a manager of every one of these locations (any manager when none)."""
    checked = list(locations)
    if not checked:
        access.require_manager()
    for location in checked:
        access.require_manager(location.id)


async def add_master(
    session: AsyncSession, settings: Settings, access: BusinessAccess, data: MasterCreateIn
) -> Invitation:
    """Invite the owner of this email to be a master, at these locations with this
    profile; they become a master only by accepting (staff/invitations.py)."""
    locations = await business_locations(session, access, data.location_ids)
    _require_manager_of(access, locations)
    details = {
        "location_ids": location_details(location.id for location in locations),
        "description": data.description,
        "specialties": list(data.specialties),
        "first_name": data.first_name,
        "last_name": data.last_name,
        "phone_number": data.phone_number,
    }
    return await invite(session, settings, access, data.email, BusinessRole.MASTER, details)


async def _staff_master(
    session: AsyncSession, access: BusinessAccess, master_id: uuid.UUID
) -> tuple[Master, User]:
    master = await MasterRepository(session, access.business_id).get(master_id)
    user = await UserRepository(session).get(master.user_id) if master is not None else None
    if master is None or user is None:
        raise NotFound("Master not found")
    return master, user


async def update_master(
    session: AsyncSession,
    cache: Cache,
    access: BusinessAccess,
    master_id: uuid.UUID,
    data: MasterUpdateIn,
) -> StaffMaster:
    """Change the fields given of a master; a manager must manage the master's current
    and new locations."""
    master, user = await _staff_master(session, access, master_id)
    _require_manager_of(access, master.locations)
    before = snapshot(master)
    if sent(data, "location_ids", "locationIds"):
        assert data.location_ids is not None
        locations = await business_locations(session, access, data.location_ids)
        _require_manager_of(access, locations)
        master.locations = locations
        membership = await MembershipRepository(session, access.business_id).find(
            user.id, BusinessRole.MASTER
        )
        if membership is not None:
            membership.locations = list(locations)
    if sent(data, "description", "description"):
        assert data.description is not None
        master.description = data.description
    if sent(data, "specialties", "specialties"):
        assert data.specialties is not None
        master.specialties = list(data.specialties)
    if sent(data, "experience", "experience"):
        assert data.experience is not None
        master.experience_years = data.experience
    if sent(data, "is_active", "isActive"):
        assert data.is_active is not None
        master.is_active = data.is_active
    if sent(data, "working_hours", "workingHours"):
        assert data.working_hours is not None
        master.working_hours = data.working_hours
    if sent(data, "timezone", "timezone"):
        assert data.timezone is not None
        master.timezone = data.timezone
    await session.flush()
    await record_change(
        session,
        access,
        action="update",
        entity_type="master",
        entity_id=master.id,
        before=before,
        after=snapshot(master),
    )
    catalog_changed(session, cache)
    return StaffMaster(master, user)


async def remove_master(
    session: AsyncSession, cache: Cache, access: BusinessAccess, master_id: uuid.UUID
) -> None:
    """Remove the master and their master membership; the user account stays."""
    master, user = await _staff_master(session, access, master_id)
    _require_manager_of(access, master.locations)
    if access.business.is_solo and master.user_id in await _owner_ids(session, access):
        raise BusinessRuleViolation("The specialist of a one-person business cannot be removed")
    before = snapshot(master)
    await MasterRepository(session, access.business_id).delete(master)
    memberships = MembershipRepository(session, access.business_id)
    membership = await memberships.find(user.id, BusinessRole.MASTER)
    if membership is not None:
        await memberships.delete(membership)
    if user.email is not None:
        # An invitation accepted later must not bring the master back.
        await InvitationRepository(session, access.business_id).withdraw_pending(
            user.email, BusinessRole.MASTER, utcnow()
        )
    await record_change(
        session,
        access,
        action="delete",
        entity_type="master",
        entity_id=master_id,
        before=before,
    )
    catalog_changed(session, cache)


async def _owner_ids(session: AsyncSession, access: BusinessAccess) -> set[uuid.UUID]:
    return await MembershipRepository(session, access.business_id).user_ids(BusinessRole.OWNER)


# --- services of the business ------------------------------------------------


async def list_services(
    session: AsyncSession, access: BusinessAccess
) -> list[tuple[Service, list[uuid.UUID]]]:
    """Every service of the business, inactive ones too, with its masters."""
    services = ServiceRepository(session, access.business_id)
    rows = await services.all()
    linked = await services.master_ids([service.id for service in rows])
    return [(service, linked[service.id]) for service in rows]


async def _check_masters(
    session: AsyncSession, access: BusinessAccess, master_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    known = await MasterRepository(session, access.business_id).existing_ids(master_ids)
    unknown = set(master_ids) - known
    if unknown:
        raise ValidationFailed.on(
            "masterIds",
            "not masters of this business: " + ", ".join(sorted(map(str, unknown))),
            "UNKNOWN_MASTER",
        )
    return sorted(known)


async def create_service(
    session: AsyncSession, cache: Cache, access: BusinessAccess, data: BusinessServiceCreateIn
) -> tuple[Service, list[uuid.UUID]]:
    """A new service of the business, delivered by the masters given."""
    master_ids = await _check_masters(session, access, data.master_ids)
    service = Service(id=uuid.uuid4())
    await apply_service_fields(session, service, data, access.business.currency)
    services = ServiceRepository(session, access.business_id)
    await services.add(service)
    await services.set_masters(service, master_ids)
    await record_change(
        session,
        access,
        action="create",
        entity_type="service",
        entity_id=service.id,
        after={**snapshot(service), "master_ids": [str(m) for m in master_ids]},
    )
    catalog_changed(session, cache)
    return service, master_ids


async def update_service(
    session: AsyncSession,
    cache: Cache,
    access: BusinessAccess,
    service_id: uuid.UUID,
    data: BusinessServiceUpdateIn,
) -> tuple[Service, list[uuid.UUID]]:
    """Change the fields given of a service; `masterIds` replaces its masters."""
    services = ServiceRepository(session, access.business_id)
    service = await services.get(service_id)
    if service is None:
        raise NotFound("Service not found")
    before_masters = (await services.master_ids([service.id]))[service.id]
    before = {**snapshot(service), "master_ids": [str(m) for m in before_masters]}
    master_ids = before_masters
    if sent(data, "master_ids", "masterIds"):
        assert data.master_ids is not None
        master_ids = await _check_masters(session, access, data.master_ids)
    await apply_service_fields(session, service, data, access.business.currency)
    await services.set_masters(service, master_ids)
    await session.flush()
    await record_change(
        session,
        access,
        action="update",
        entity_type="service",
        entity_id=service.id,
        before=before,
        after={**snapshot(service), "master_ids": [str(m) for m in master_ids]},
    )
    catalog_changed(session, cache)
    return service, master_ids


async def delete_service(
    session: AsyncSession, cache: Cache, access: BusinessAccess, service_id: uuid.UUID
) -> bool:
    """Delete a service of the business; one with active bookings still to come is
    deactivated instead, so those bookings keep it. True when deleted."""
    services = ServiceRepository(session, access.business_id)
    service = await services.get(service_id)
    if service is None:
        raise NotFound("Service not found")
    before = snapshot(service)
    bookings = BookingRepository(session, access.business_id)
    keep = await bookings.service_has_future_bookings(service_id, utcnow())
    if keep:
        service.is_active = False
        await session.flush()
    else:
        await services.delete(service)
    await record_change(
        session,
        access,
        action="deactivate" if keep else "delete",
        entity_type="service",
        entity_id=service_id,
        before=before,
        after=snapshot(service) if keep else None,
    )
    catalog_changed(session, cache)
    return not keep
