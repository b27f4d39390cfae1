"""Specialists: the one-person business made at sign-up, the specialist's own profile
and services, the public profile; and the service-field rules staff routes share."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel
from pydantic.alias_generators import to_camel
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.bookings.repository import BookingRepository
from bookwell.businesses.activation import solo_status
from bookwell.businesses.currency import StoredAmount, change_currency
from bookwell.config import Settings
from bookwell.errors import (
    DuplicateResource,
    ErrorDetail,
    InsufficientPermissions,
    NotFound,
    ValidationFailed,
)
from bookwell.kit.audit import record, snapshot
from bookwell.kit.cache import Cache, catalog_changed
from bookwell.kit.clock import utcnow
from bookwell.kit.money import minor_units
from bookwell.kit.subdomains import is_allowed_subdomain
from bookwell.kit.tenancy import Actor
from bookwell.models import (
    Business,
    BusinessRole,
    Master,
    Membership,
    Service,
    User,
)
from bookwell.models.businesses import default_opening_hours
from bookwell.specialists.repository import SpecialistDirectory
from bookwell.specialists.schemas import SpecialistProfileIn
from bookwell.staff.repository import (
    CategoryRepository,
    MasterRepository,
    MembershipRepository,
    ServiceRepository,
)
from bookwell.staff.schemas import ServiceCreateIn, ServiceUpdateIn
from bookwell.users.repository import UserRepository

# --- shared field rules ------------------------------------------------------


def sent(model: BaseModel, name: str, field: str) -> bool:
    """Whether the client sent the field; an explicit null is refused."""
    if name not in model.model_fields_set:
        return False
    if getattr(model, name) is None:
        raise ValidationFailed.on(field, "cannot be null", "REQUIRED")
    return True


# Request field -> Service column, for the fields copied as they are.
_SERVICE_COLUMNS = {
    "name": "name",
    "description": "description",
    "long_description": "long_description",
    "duration": "duration_minutes",
    "requirements": "requirements",
    "deliverables": "deliverables",
    "is_active": "is_active",
    "buffer_before": "buffer_before_minutes",
    "buffer_after": "buffer_after_minutes",
    "minimum_notice": "min_notice_minutes",
    "slot_step": "slot_step_minutes",
}


async def apply_service_fields(
    session: AsyncSession,
    service: Service,
    data: ServiceCreateIn | ServiceUpdateIn,
    currency: str,
) -> None:
    """Copy the fields onto the service (on update only those sent): the price checked
    against the currency's decimals, the category against the known categories."""
    given = (
        data.model_fields_set if isinstance(data, ServiceUpdateIn) else set(type(data).model_fields)
    )
    if "category" in given:
        category = data.category
        if category is not None and not await CategoryRepository(session).exists(category):
            raise ValidationFailed.on(
                "category", f"{category!r} is not a known category", "UNKNOWN_CATEGORY"
            )
        service.category_id = category
    for name in given & {"price", *_SERVICE_COLUMNS}:
        value = getattr(data, name)
        if value is None:
            raise ValidationFailed.on(to_camel(name), "cannot be null", "REQUIRED")
        if name == "price":
            service.price = minor_units(value, currency, "price")
        else:
            setattr(
                service, _SERVICE_COLUMNS[name], list(value) if isinstance(value, list) else value
            )


# --- the one-person business -------------------------------------------------

_CYRILLIC = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya", "ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "ү": "u",
        "һ": "h", "і": "i",
    }
)  # fmt: skip
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# Leaves room for "-" and a numeric suffix within the 63 characters of a DNS label.
_MAX_BASE_LENGTH = 55
_SUBDOMAIN_ATTEMPTS = 5


def subdomain_base(name: str) -> str:
    """A DNS-safe slug of the name: "Ana Müller" -> "ana-muller", "Айгүл" -> "aygul"."""
    text = unicodedata.normalize("NFKD", name.lower().translate(_CYRILLIC))
    ascii_text = text.encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text).strip("-")[:_MAX_BASE_LENGTH].rstrip("-")
    if len(slug) < 3:
        slug = f"{slug}-specialist".lstrip("-")
    return slug


def free_subdomain(base: str, taken: set[str]) -> str:
    """`base` if free, else `base-2`, `base-3`, ... (the smallest free one); a name no
    tenant may take (`services`, `admin`) counts as taken."""
    candidate, suffix = base, 2
    while candidate in taken or not is_allowed_subdomain(candidate):
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    return candidate


async def open_solo_business(
    session: AsyncSession, settings: Settings, user: User, timezone: str | None
) -> Business:
    """Make the one-person business of a specialist who registers alone: the user is
    its owner and its master, and it is pending until their email is verified
    (businesses/activation.py). Runs in the registration's transaction."""
    # Two names of up to 100 characters each may exceed the 200 a business name holds.
    name = f"{user.first_name} {user.last_name}".strip()[:200].rstrip()
    hours = default_opening_hours()
    business = Business(
        id=uuid.uuid4(),
        name=name,
        description="",
        status=solo_status(settings, user),
        timezone=timezone or "UTC",
        currency="USD",
        opening_hours=hours,
        is_solo=True,
        contact_email=user.email,
        contact_phone=user.phone_number,
    )
    directory = SpecialistDirectory(session)
    base = subdomain_base(name)
    for _ in range(_SUBDOMAIN_ATTEMPTS):
        business.subdomain = free_subdomain(base, await directory.subdomains_from(base))
        if await directory.add_business_unique(business):
            break
    else:
        raise DuplicateResource("Could not reserve an address for the business; try again")
    memberships = MembershipRepository(session, business.id)
    for role in (BusinessRole.OWNER, BusinessRole.MASTER):
        await memberships.add(Membership(user_id=user.id, role=role, locations=[]))
    master = Master(
        user_id=user.id,
        timezone=business.timezone,
        working_hours={day: list(intervals) for day, intervals in hours.items()},
        locations=[],
    )
    await MasterRepository(session, business.id).add(master)
    actor = Actor(user=user)
    await record(
        session,
        actor=actor,
        business_id=business.id,
        action="create",
        entity_type="business",
        entity_id=business.id,
        after=snapshot(business),
    )
    await record(
        session,
        actor=actor,
        business_id=business.id,
        action="create",
        entity_type="master",
        entity_id=master.id,
        after=snapshot(master),
    )
    return business


# --- the specialist's own profile -------------------------------------------


@dataclass(frozen=True, slots=True)
class Specialist:
    business: Business
    master: Master


async def load_specialist(session: AsyncSession, user: User) -> Specialist:
    """The signed-in specialist's one-person business and master profile."""
    business = await SpecialistDirectory(session).solo_business_of(user.id)
    master = (
        await MasterRepository(session, business.id).by_user(user.id)
        if business is not None
        else None
    )
    if business is None or master is None:
        raise NotFound("This account has no specialist profile")
    return Specialist(business=business, master=master)


async def load_profile(session: AsyncSession, user: User) -> Specialist:
    """The master profile behind /specialists/profile: the one in the user's one-person
    business, else the user's oldest master row in any business."""
    directory = SpecialistDirectory(session)
    business = await directory.solo_business_of(user.id)
    if business is None:
        business = await directory.oldest_master_business_of(user.id)
    master = (
        await MasterRepository(session, business.id).by_user(user.id)
        if business is not None
        else None
    )
    if business is None or master is None:
        raise NotFound("This account has no specialist profile")
    return Specialist(business=business, master=master)


def _require_own_business(business: Business, field: str) -> None:
    """Fields of the business itself change here only in a one-person business; a
    master of another business asks its owner."""
    if not business.is_solo:
        raise InsufficientPermissions(
            f"{field} belongs to {business.name}; only its owner changes it",
            details=[ErrorDetail(field, "is set by the business owner", "NOT_ALLOWED")],
        )


def _base_rate(data: SpecialistProfileIn) -> tuple[Decimal, str] | None:
    """The new base rate and the field it came from (top level or inside pricing)."""
    top = data.base_rate if sent(data, "base_rate", "baseRate") else None
    pricing = data.pricing
    inner = (
        pricing.base_rate
        if pricing is not None and sent(pricing, "base_rate", "pricing.baseRate")
        else None
    )
    if top is not None and inner is not None and top != inner:
        raise ValidationFailed.on(
            "baseRate", "differs from pricing.baseRate; send one of them", "CONFLICT"
        )
    if inner is not None:
        return inner, "pricing.baseRate"
    if top is not None:
        return top, "baseRate"
    return None


async def update_profile(
    session: AsyncSession, cache: Cache, user: User, data: SpecialistProfileIn
) -> Specialist:
    """Apply the fields given to the specialist's master profile and, in a one-person
    business, to the business too."""
    specialist = await load_profile(session, user)
    business, master = specialist.business, specialist.master
    business_before, master_before = snapshot(business), snapshot(master)
    pricing = data.pricing
    base_rate = _base_rate(data)
    deposit = (
        pricing.deposit_amount
        if pricing is not None and sent(pricing, "deposit_amount", "pricing.depositAmount")
        else None
    )
    if pricing is not None and sent(pricing, "currency", "pricing.currency"):
        assert pricing.currency is not None
        if pricing.currency != business.currency:
            _require_own_business(business, "pricing.currency")
        replaced = [StoredAmount.BASE_RATE] if base_rate is not None else []
        if deposit is not None:
            replaced.append(StoredAmount.MASTER_DEPOSIT)
        await change_currency(
            session, business, pricing.currency, field="pricing.currency", replaced=replaced
        )
    if base_rate is not None:
        master.base_rate = minor_units(base_rate[0], business.currency, base_rate[1])
    if deposit is not None:
        master.deposit_amount = minor_units(deposit, business.currency, "pricing.depositAmount")
    availability = data.availability
    if availability is not None:
        # In a one-person business the specialist's hours are the business's hours.
        if sent(availability, "timezone", "availability.timezone"):
            assert availability.timezone is not None
            master.timezone = availability.timezone
            if business.is_solo:
                business.timezone = availability.timezone
        if sent(availability, "working_hours", "availability.workingHours"):
            assert availability.working_hours is not None
            master.working_hours = availability.working_hours
            if business.is_solo:
                business.opening_hours = availability.working_hours
    if sent(data, "business_name", "businessName"):
        assert data.business_name is not None
        if data.business_name != business.name:
            _require_own_business(business, "businessName")
        business.name = data.business_name
    if sent(data, "description", "description"):
        assert data.description is not None
        master.description = data.description
    if sent(data, "specialties", "specialties"):
        assert data.specialties is not None
        master.specialties = list(data.specialties)
    if sent(data, "experience", "experience"):
        assert data.experience is not None
        master.experience_years = data.experience
    await session.flush()
    actor = Actor(user=user)
    for entity_type, row, before in (
        ("business", business, business_before),
        ("master", master, master_before),
    ):
        after = snapshot(row)
        if after != before:
            await record(
                session,
                actor=actor,
                business_id=business.id,
                action="update",
                entity_type=entity_type,
                entity_id=row.id,
                before=before,
                after=after,
            )
            catalog_changed(session, cache)
    return specialist


# --- the specialist's services -----------------------------------------------


async def list_services(session: AsyncSession, user: User) -> tuple[Business, list[Service]]:
    """The services the specialist delivers in their one-person business, inactive too."""
    specialist = await load_specialist(session, user)
    services = await ServiceRepository(session, specialist.business.id).all(specialist.master.id)
    return specialist.business, services


async def create_service(
    session: AsyncSession, cache: Cache, user: User, data: ServiceCreateIn
) -> tuple[Business, Service]:
    """A new service of the specialist's business, delivered by the specialist."""
    specialist = await load_specialist(session, user)
    business = specialist.business
    service = Service(id=uuid.uuid4())
    await apply_service_fields(session, service, data, business.currency)
    services = ServiceRepository(session, business.id)
    await services.add(service)
    await services.set_masters(service, [specialist.master.id])
    await record(
        session,
        actor=Actor(user=user),
        business_id=business.id,
        action="create",
        entity_type="service",
        entity_id=service.id,
        after=snapshot(service),
    )
    catalog_changed(session, cache)
    return business, service


async def _own_service(
    session: AsyncSession, user: User, service_id: uuid.UUID
) -> tuple[Business, Service]:
    specialist = await load_specialist(session, user)
    service = await ServiceRepository(session, specialist.business.id).of_master(
        service_id, specialist.master.id
    )
    if service is None:
        raise NotFound("Service not found")
    return specialist.business, service


async def update_service(
    session: AsyncSession, cache: Cache, user: User, service_id: uuid.UUID, data: ServiceUpdateIn
) -> tuple[Business, Service]:
    """Change the fields given of one of the specialist's services."""
    business, service = await _own_service(session, user, service_id)
    before = snapshot(service)
    await apply_service_fields(session, service, data, business.currency)
    await session.flush()
    await record(
        session,
        actor=Actor(user=user),
        business_id=business.id,
        action="update",
        entity_type="service",
        entity_id=service.id,
        before=before,
        after=snapshot(service),
    )
    catalog_changed(session, cache)
    return business, service


async def delete_service(
    session: AsyncSession, cache: Cache, user: User, service_id: uuid.UUID
) -> bool:
    """Delete one of the specialist's services; one with active bookings still to come
    is deactivated instead, so those bookings keep it. True when deleted."""
    business, service = await _own_service(session, user, service_id)
    before = snapshot(service)
    bookings = BookingRepository(session, business.id)
    keep = await bookings.service_has_future_bookings(service_id, utcnow())
    if keep:
        service.is_active = False
        await session.flush()
    else:
        await ServiceRepository(session, business.id).delete(service)
    await record(
        session,
        actor=Actor(user=user),
        business_id=business.id,
        action="deactivate" if keep else "delete",
        entity_type="service",
        entity_id=service_id,
        before=before,
        after=snapshot(service) if keep else None,
    )
    catalog_changed(session, cache)
    return not keep


# --- the public profile ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicSpecialist:
    business: Business
    master: Master
    user: User
    services: list[Service]


async def public_profile(session: AsyncSession, master_id: uuid.UUID) -> PublicSpecialist:
    """An active master of an active business, with their active services."""
    business = await SpecialistDirectory(session).active_business_of_master(master_id)
    master = (
        await MasterRepository(session, business.id).get(master_id)
        if business is not None
        else None
    )
    user = await UserRepository(session).get(master.user_id) if master is not None else None
    if business is None or master is None or not master.is_active or not user or not user.is_active:
        raise NotFound("Specialist not found")
    services = await ServiceRepository(session, business.id).all(master.id, active_only=True)
    return PublicSpecialist(business=business, master=master, user=user, services=services)
