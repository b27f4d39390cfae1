"""Staff of a business: masters (linked or invited by email), the business's services,
and accepting an invitation."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.auth.passwords import hash_password, password_problems
from bookwell.auth.schemas import Platform
from bookwell.auth.service import SignedIn, start_session
from bookwell.bookings.repository import BookingRepository
from bookwell.config import Settings
from bookwell.deps import ClientInfo
from bookwell.errors import (
    BusinessRuleViolation,
    DuplicateResource,
    ErrorDetail,
    NotFound,
    ValidationFailed,
)
from bookwell.kit.audit import record, record_change, snapshot
from bookwell.kit.cache import Cache, catalog_changed
from bookwell.kit.clock import utcnow
from bookwell.kit.secrets import hash_secret, new_secret
from bookwell.kit.tenancy import Actor, BusinessAccess
from bookwell.models import (
    BusinessRole,
    Channel,
    Invitation,
    Location,
    Master,
    Membership,
    OutboxMessage,
    Service,
    User,
    UserType,
)
from bookwell.specialists.service import apply_service_fields, sent
from bookwell.staff.repository import (
    InvitationRepository,
    InvitationTokenRepository,
    LocationRepository,
    MasterRepository,
    MembershipRepository,
    ServiceRepository,
)
from bookwell.staff.schemas import (
    BusinessServiceCreateIn,
    BusinessServiceUpdateIn,
    InvitationAcceptIn,
    MasterCreateIn,
    MasterUpdateIn,
)
from bookwell.users.repository import UserRepository

INVITATION_TTL = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class StaffMaster:
    master: Master
    user: User
    invitation_pending: bool


# --- masters -----------------------------------------------------------------


async def list_masters(session: AsyncSession, access: BusinessAccess) -> list[StaffMaster]:
    """Every master for the owner and managers; a master sees only themselves."""
    own_only = None if access.is_manager else access.actor.user_id
    rows = await MasterRepository(session, access.business_id).with_users(own_only)
    pending = await InvitationRepository(session, access.business_id).pending_user_ids(
        (user.id for _, user in rows), utcnow()
    )
    return [StaffMaster(master, user, user.id in pending) for master, user in rows]


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


def _accept_link(settings: Settings, token: str) -> str:
    return f"{settings.web_app_base}/accept-invitation?token={token}"


async def _invite(
    session: AsyncSession, settings: Settings, access: BusinessAccess, user: User, role: str
) -> None:
    """An invitation (only its hash kept) and the email carrying its link, in the outbox."""
    assert user.email is not None
    token = new_secret("inv_")
    await InvitationRepository(session, access.business_id).add(
        Invitation(
            user_id=user.id, token_hash=hash_secret(token), expires_at=utcnow() + INVITATION_TTL
        )
    )
    link = _accept_link(settings, token)
    business = access.business
    session.add(
        OutboxMessage(
            business_id=business.id,
            channel=Channel.EMAIL,
            recipient=user.email,
            subject=f"You are invited to join {business.name} on Bookwell",
            body=(
                f"Hello {user.first_name},\n\n"
                f"{business.name} added you as a {role} on Bookwell. Set your password "
                f"to sign in:\n\n{link}\n\nThe link works once and expires in "
                f"{INVITATION_TTL.days} days.\n"
            ),
        )
    )


async def user_for_email(
    session: AsyncSession,
    email: str,
    first_name: str | None,
    last_name: str | None,
    phone_number: str | None = None,
) -> User:
    """The user with this email, or a new account without a password (a customer)
    that an invitation lets sign in; a new account needs both names."""
    users = UserRepository(session)
    user = await users.get_by_email(email)
    if user is not None:
        return user
    missing = [
        ErrorDetail(field, "is required for someone without an account", "REQUIRED")
        for field, value in (("firstName", first_name), ("lastName", last_name))
        if value is None
    ]
    if missing:
        raise ValidationFailed(
            "No account has this email: give the person's names", details=missing
        )
    assert first_name is not None
    assert last_name is not None
    user = User(
        id=uuid.uuid4(),
        email=email.lower(),
        first_name=first_name,
        last_name=last_name,
        phone_number=phone_number,
        user_type=UserType.CUSTOMER,
    )
    if not await users.add_unique(user):
        raise DuplicateResource("This email was registered meanwhile; try again")
    return user


async def invite_if_needed(
    session: AsyncSession, settings: Settings, access: BusinessAccess, user: User, role: str
) -> bool:
    """Invite someone who cannot sign in yet (no password, no Telegram) to set a
    password; whether an invitation was sent."""
    invited = user.password_hash is None and user.telegram_id is None
    if invited:
        await _invite(session, settings, access, user, role)
    return invited


async def add_master(
    session: AsyncSession,
    settings: Settings,
    cache: Cache,
    access: BusinessAccess,
    data: MasterCreateIn,
) -> StaffMaster:
    """Make a user with this email a master of the business. An existing user is
    linked; anyone else gets an account without a password and an emailed invitation."""
    locations = await business_locations(session, access, data.location_ids)
    _require_manager_of(access, locations)
    user = await user_for_email(
        session, data.email, data.first_name, data.last_name, data.phone_number
    )
    masters = MasterRepository(session, access.business_id)
    master = Master(
        user_id=user.id,
        description=data.description,
        specialties=list(data.specialties),
        timezone=locations[0].timezone if locations else access.business.timezone,
        working_hours={day: list(hours) for day, hours in access.business.opening_hours.items()},
        locations=locations,
    )
    if not await masters.add_unique(master):
        raise DuplicateResource("This user is already a master of this business")
    memberships = MembershipRepository(session, access.business_id)
    membership = await memberships.find(user.id, BusinessRole.MASTER)
    if membership is None:
        await memberships.add(
            Membership(user_id=user.id, role=BusinessRole.MASTER, locations=list(locations))
        )
    else:
        membership.locations = list(locations)
    invited = await invite_if_needed(session, settings, access, user, "master")
    await record_change(
        session,
        access,
        action="create",
        entity_type="master",
        entity_id=master.id,
        after=snapshot(master),
    )
    catalog_changed(session, cache)
    return StaffMaster(master, user, invited)


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
    pending = await InvitationRepository(session, access.business_id).pending_user_ids(
        [user.id], utcnow()
    )
    return StaffMaster(master, user, user.id in pending)


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
    await InvitationRepository(session, access.business_id).withdraw_pending(user.id)
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


# --- invitations -------------------------------------------------------------


async def accept_invitation(
    session: AsyncSession,
    settings: Settings,
    cache: Cache,
    data: InvitationAcceptIn,
    client: ClientInfo,
) -> SignedIn:
    """Set the invited user's password (and names, if given), use up the invitation and
    sign the user in."""
    invitations = InvitationTokenRepository(session)
    invitation = await invitations.by_token_hash(hash_secret(data.token))
    now = utcnow()
    if invitation is None:
        raise ValidationFailed.on("token", "is not a valid invitation", "INVALID_TOKEN")
    if invitation.used_at is not None:
        raise ValidationFailed.on("token", "has already been used", "TOKEN_USED")
    if invitation.expires_at <= now:
        raise ValidationFailed.on(
            "token", "has expired; ask the business for a new invitation", "TOKEN_EXPIRED"
        )
    user = await UserRepository(session).get(invitation.user_id)
    if user is None or not user.is_active:
        raise ValidationFailed.on("token", "belongs to a disabled account", "INVALID_TOKEN")
    if user.password_hash is not None:
        raise ValidationFailed.on(
            "token", "this account already has a password; sign in instead", "TOKEN_USED"
        )
    problems = password_problems(data.password, field="password", email=user.email)
    if problems:
        raise ValidationFailed(details=problems)
    if not await invitations.mark_used(invitation.id, now):
        raise ValidationFailed.on("token", "has already been used", "TOKEN_USED")
    user.password_hash = await hash_password(data.password)
    if data.first_name is not None:
        user.first_name = data.first_name
    if data.last_name is not None:
        user.last_name = data.last_name
    await record(
        session,
        actor=Actor(user=user),
        business_id=invitation.business_id,
        action="accept",
        entity_type="invitation",
        entity_id=invitation.id,
    )
    # The invited master is shown in discovery, maybe under the names just given.
    catalog_changed(session, cache)
    tokens = await start_session(session, settings, user, Platform.WEB, client)
    return SignedIn(user=user, tokens=tokens)


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
