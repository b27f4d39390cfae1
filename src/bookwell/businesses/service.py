"""Businesses as tenants: registration, settings, locations, API keys, audit log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.auth import service as auth_service
from bookwell.auth.schemas import RegisterIn
from bookwell.businesses.currency import StoredAmount, change_currency
from bookwell.businesses.repository import (
    ApiKeyRepository,
    AuditRepository,
    BusinessRepository,
    LocationRepository,
    MembershipRepository,
)
from bookwell.businesses.schemas import (
    BusinessIn,
    BusinessUpdateIn,
    LocationIn,
    LocationUpdateIn,
)
from bookwell.config import Settings
from bookwell.deps import ClientInfo
from bookwell.errors import (
    BusinessRuleViolation,
    DuplicateResource,
    ErrorDetail,
    InsufficientPermissions,
    NotFound,
    ValidationFailed,
)
from bookwell.kit.audit import record, record_change, snapshot
from bookwell.kit.cache import Cache, catalog_changed
from bookwell.kit.clock import utcnow
from bookwell.kit.money import minor_units
from bookwell.kit.pagination import PageRequest
from bookwell.kit.subdomains import check_subdomain
from bookwell.kit.tenancy import Actor, BusinessAccess
from bookwell.models import (
    ApiKey,
    AuditEntry,
    Business,
    BusinessRole,
    BusinessStatus,
    Location,
    Membership,
    User,
)
from bookwell.models.businesses import default_opening_hours

ENTITY_BUSINESS = "business"
ENTITY_LOCATION = "location"
ENTITY_API_KEY = "api_key"


def _subdomain_taken() -> DuplicateResource:
    return DuplicateResource(
        "A business with this subdomain already exists",
        details=[ErrorDetail("subdomain", "is already taken", "DUPLICATE")],
    )


_OWNER_FIELDS = {
    "email": "email",
    "password": "password",
    "first_name": "firstName",
    "last_name": "lastName",
    "phone_number": "phoneNumber",
}


async def _owner_account(
    session: AsyncSession,
    settings: Settings,
    data: BusinessIn,
    signed_in: User | None,
    client: ClientInfo,
) -> tuple[User, auth_service.SignedIn | None]:
    """The signed-in user, or the account the body describes (created and signed in)."""
    given = [alias for name, alias in _OWNER_FIELDS.items() if getattr(data, name) is not None]
    if signed_in is not None:
        if given:
            raise ValidationFailed(
                "Signed in, the business belongs to you: leave out the owner's account fields",
                details=[
                    ErrorDetail(f, "is not allowed when signed in", "NOT_ALLOWED") for f in given
                ],
            )
        return signed_in, None
    missing = [
        alias
        for name, alias in _OWNER_FIELDS.items()
        if name != "phone_number" and getattr(data, name) is None
    ]
    if missing:
        raise ValidationFailed(
            "Without a token, give the owner's email, password, firstName and lastName",
            details=[ErrorDetail(f, "is required without a token", "REQUIRED") for f in missing],
        )
    registration = RegisterIn.model_validate(
        {
            "email": data.email,
            "password": data.password,
            "firstName": data.first_name,
            "lastName": data.last_name,
            "phoneNumber": data.phone_number,
            "userType": "customer",
        }
    )
    created = await auth_service.register(session, settings, registration, client)
    return created.user, created


@dataclass(frozen=True, slots=True)
class CreatedBusiness:
    business: Business
    # Set when the owner's account was created with the business.
    owner_signed_in: auth_service.SignedIn | None


async def create_business(
    session: AsyncSession,
    settings: Settings,
    data: BusinessIn,
    signed_in: User | None,
    client: ClientInfo,
) -> CreatedBusiness:
    """Register a business, `pending` until a super admin approves it; its creator
    (signed in, or the account described in the body) becomes the owner."""
    subdomain = check_subdomain(data.subdomain)
    businesses = BusinessRepository(session)
    if await businesses.subdomain_taken(subdomain):
        raise _subdomain_taken()
    deposit = minor_units(data.deposit_amount, data.currency, "depositAmount")
    owner, owner_signed_in = await _owner_account(session, settings, data, signed_in, client)
    business = Business(
        id=uuid.uuid4(),
        name=data.name,
        subdomain=subdomain,
        description=data.description,
        status=BusinessStatus.PENDING,
        timezone=data.timezone,
        currency=data.currency,
        opening_hours=data.opening_hours
        if data.opening_hours is not None
        else default_opening_hours(),
        cancellation_notice_hours=data.cancellation_notice_hours,
        booking_horizon_days=data.booking_horizon_days,
        payment_window_minutes=data.payment_window_minutes,
        deposit_amount=deposit,
        auto_confirm=data.auto_confirm,
        contact_email=data.contact_email,
        contact_phone=data.contact_phone,
    )
    if not await businesses.add_unique(business):
        raise _subdomain_taken()
    await MembershipRepository(session, business.id).add(
        Membership(user_id=owner.id, role=BusinessRole.OWNER)
    )
    await record(
        session,
        actor=Actor(user=owner),
        business_id=business.id,
        action="create",
        entity_type=ENTITY_BUSINESS,
        entity_id=business.id,
        after=snapshot(business),
    )
    return CreatedBusiness(business=business, owner_signed_in=owner_signed_in)


async def businesses_of(
    session: AsyncSession, user: User
) -> list[tuple[Business, list[BusinessRole]]]:
    """The businesses the user works in, with the user's roles there."""
    return await BusinessRepository(session).of_member(user.id)


def _required(value: Any, field_name: str) -> Any:
    if value is None:
        raise ValidationFailed.on(field_name, "cannot be null", "REQUIRED")
    return value


async def update_business(
    session: AsyncSession, cache: Cache, access: BusinessAccess, data: BusinessUpdateIn
) -> Business:
    """Change the business's settings (owner or super admin). Status is decided by the
    super admin, the subdomain never changes."""
    access.require_full()
    business = access.business
    sent = data.model_fields_set
    before = snapshot(business)
    deposit = _required(data.deposit_amount, "depositAmount") if "deposit_amount" in sent else None
    if "currency" in sent:
        await change_currency(
            session,
            business,
            _required(data.currency, "currency"),
            field="currency",
            replaced=[StoredAmount.BUSINESS_DEPOSIT] if deposit is not None else [],
        )
    if deposit is not None:
        business.deposit_amount = minor_units(deposit, business.currency, "depositAmount")
    for name, alias in (
        ("name", "name"),
        ("timezone", "timezone"),
        ("description", "description"),
        ("opening_hours", "openingHours"),
        ("cancellation_notice_hours", "cancellationNoticeHours"),
        ("booking_horizon_days", "bookingHorizonDays"),
        ("payment_window_minutes", "paymentWindowMinutes"),
        ("auto_confirm", "autoConfirm"),
    ):
        if name in sent:
            setattr(business, name, _required(getattr(data, name), alias))
    for name in ("contact_email", "contact_phone"):
        if name in sent:
            setattr(business, name, getattr(data, name))
    after = snapshot(business)
    if after != before:
        business.updated_at = utcnow()
        await session.flush()
        await record_change(
            session,
            access,
            action="update",
            entity_type=ENTITY_BUSINESS,
            entity_id=business.id,
            before=before,
            after=snapshot(business),
        )
        catalog_changed(session, cache)
    return business


async def resubmit_business(session: AsyncSession, access: BusinessAccess) -> Business:
    """A rejected business goes back to pending for a super admin to decide again
    (the owner, signed in; or a super admin). Any other status is refused (422)."""
    _require_owner_in_person(access)
    business = access.business
    # Locked, as the admin's decisions lock it: a decision racing this one waits.
    await session.refresh(business, with_for_update=True)
    if business.status is not BusinessStatus.REJECTED:
        article = "An" if business.status.value[0] in "aeiou" else "A"
        raise BusinessRuleViolation(
            f"{article} {business.status.value} business cannot be resubmitted; "
            "only rejected businesses can be",
            details=[ErrorDetail("status", f"is {business.status.value}", "NOT_REJECTED")],
        )
    before = snapshot(business)
    business.status = BusinessStatus.PENDING
    business.updated_at = utcnow()
    await session.flush()
    await record_change(
        session,
        access,
        action="resubmit",
        entity_type=ENTITY_BUSINESS,
        entity_id=business.id,
        before=before,
        after=snapshot(business),
    )
    return business


# --- locations ----------------------------------------------------------------


async def list_locations(session: AsyncSession, access: BusinessAccess) -> list[Location]:
    """All active locations for the owner; managers and masters see their own."""
    only = None if access.is_full else access.location_ids
    return await LocationRepository(session, access.business_id).active(only)


async def _visible_location(
    session: AsyncSession, access: BusinessAccess, location_id: uuid.UUID
) -> Location:
    location = await LocationRepository(session, access.business_id).get_active(location_id)
    if location is None:
        raise NotFound("Location not found")
    return location


async def create_location(
    session: AsyncSession, cache: Cache, access: BusinessAccess, data: LocationIn
) -> Location:
    """Add a location (owner); its zone defaults to the business's."""
    access.require_full()
    location = await LocationRepository(session, access.business_id).add(
        Location(
            name=data.name,
            address=data.address,
            timezone=data.timezone or access.business.timezone,
            phone=data.phone,
        )
    )
    await record_change(
        session,
        access,
        action="create",
        entity_type=ENTITY_LOCATION,
        entity_id=location.id,
        after=snapshot(location),
    )
    catalog_changed(session, cache)
    return location


async def update_location(
    session: AsyncSession,
    cache: Cache,
    access: BusinessAccess,
    location_id: uuid.UUID,
    data: LocationUpdateIn,
) -> Location:
    """Change a location: the owner any, a manager only the locations given to them."""
    location = await _visible_location(session, access, location_id)
    access.require_manager(location.id)
    before = snapshot(location)
    sent = data.model_fields_set
    for name in ("name", "address", "timezone"):
        if name in sent:
            setattr(location, name, _required(getattr(data, name), name))
    if "phone" in sent:
        location.phone = data.phone
    if snapshot(location) != before:
        location.updated_at = utcnow()
        await session.flush()
        await record_change(
            session,
            access,
            action="update",
            entity_type=ENTITY_LOCATION,
            entity_id=location.id,
            before=before,
            after=snapshot(location),
        )
        catalog_changed(session, cache)
    return location


async def delete_location(
    session: AsyncSession, cache: Cache, access: BusinessAccess, location_id: uuid.UUID
) -> None:
    """Close a location (owner). It is deactivated, not erased, so what happened there
    keeps its place."""
    access.require_full()
    location = await _visible_location(session, access, location_id)
    before = snapshot(location)
    location.is_active = False
    location.updated_at = utcnow()
    await session.flush()
    await record_change(
        session,
        access,
        action="delete",
        entity_type=ENTITY_LOCATION,
        entity_id=location.id,
        before=before,
        after=snapshot(location),
    )
    catalog_changed(session, cache)


# --- API keys and the audit log: the owner's (a person's) business -------------


def _require_owner_in_person(access: BusinessAccess) -> None:
    """The owner or a super admin, signed in: an API key cannot mint more keys or
    read who did what."""
    if access.actor.api_key is not None:
        raise InsufficientPermissions("This needs the business owner, not an API key")
    access.require_full()


async def create_api_key(
    session: AsyncSession, access: BusinessAccess, name: str
) -> tuple[ApiKey, str]:
    """A new key acting for this business; the plain key is returned once."""
    _require_owner_in_person(access)
    key, plain = await auth_service.create_api_key(
        session, name, access.actor.user_id, business_id=access.business_id
    )
    await record_change(
        session,
        access,
        action="create",
        entity_type=ENTITY_API_KEY,
        entity_id=key.id,
        after=snapshot(key),
    )
    return key, plain


async def list_api_keys(session: AsyncSession, access: BusinessAccess) -> list[ApiKey]:
    _require_owner_in_person(access)
    return await ApiKeyRepository(session, access.business_id).live()


async def revoke_api_key(session: AsyncSession, access: BusinessAccess, key_id: uuid.UUID) -> None:
    """Revoke a key at once: the next request with it is refused."""
    _require_owner_in_person(access)
    key = await ApiKeyRepository(session, access.business_id).get_live(key_id)
    if key is None:
        raise NotFound("API key not found")
    before = snapshot(key)
    key.revoked_at = utcnow()
    await session.flush()
    await record_change(
        session,
        access,
        action="revoke",
        entity_type=ENTITY_API_KEY,
        entity_id=key.id,
        before=before,
        after=snapshot(key),
    )


async def audit_log(
    session: AsyncSession, access: BusinessAccess, page: PageRequest
) -> tuple[list[AuditEntry], int]:
    """The business's audit entries, newest first (owner or super admin)."""
    _require_owner_in_person(access)
    return await AuditRepository(session, access.business_id).page(page.offset, page.limit)
