"""POST /public/booking: a visitor of a business's public page books an appointment
(seed 002) or sends an inquiry for a call (seed 003), without an account.

- The business is the body's `business` (subdomain) or the one the Host names
  (`{subdomain}.BASE_DOMAIN`), as on the other public routes; only active ones.
- The shape is chosen by `timeSlot`: with it, an inquiry on the business calendar
  (`rules.place_inquiry`); without it, an appointment with a master
  (`rules.place_appointment`).
- `masterId: "any"` (or left out): of the service's active masters, the one with the
  fewest active bookings that day (the business's calendar day) is tried first, ties
  broken at random; one that is not free, or loses a race to the database guard, is
  skipped for the next, each attempt in its own savepoint.
- The confirmations (client, business admins) are queued in the outbox in the same
  transaction: they exist exactly when the booking does, and their delivery is the
  outbox's (retries included), never the request's.
- On SQLite the transaction takes the write lock first (BEGIN IMMEDIATE), so the check
  and the insert are not interleaved with another writer, and a savepoint never opens
  (and, released, commits) the transaction by itself.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import structlog
from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.auth.dependencies import OptionalUserDep
from bookwell.bookings.public_emails import BookingFacts, admin_email, client_email, client_sms
from bookwell.bookings.public_schemas import (
    ANY_MASTER,
    PublicBookingCreatedOut,
    PublicBookingIn,
    PublicBookingOut,
    shape,
)
from bookwell.bookings.rules import Appointment, Contact, Who, place_appointment, place_inquiry
from bookwell.catalog.endpoints import preferred_language
from bookwell.deps import LimiterDep, SessionDep, SettingsDep
from bookwell.errors import BookingConflict, BusinessRuleViolation, ErrorDetail, ValidationFailed
from bookwell.kit.clock import utcnow
from bookwell.kit.openapi import error_responses
from bookwell.kit.schemas import Envelope, ok
from bookwell.kit.tenancy import TenantRepository
from bookwell.models import (
    Booking,
    BookingKind,
    Business,
    BusinessRole,
    Channel,
    Master,
    Membership,
    OutboxMessage,
    Service,
    User,
    service_masters,
)
from bookwell.public.service import business_by_subdomain, subdomain_of_host
from bookwell.scheduling.engine import Span, local_day
from bookwell.scheduling.repository import still_holds

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/public", tags=["public"])

# --- queries -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Staff:
    master: Master
    user: User


class ServiceRepository(TenantRepository[Service]):
    model = Service

    async def active(self, service_id: uuid.UUID) -> Service | None:
        result = await self.session.execute(
            self.scoped().where(Service.id == service_id, Service.is_active.is_(True))
        )
        service: Service | None = result.scalar_one_or_none()
        return service


class MasterRepository(TenantRepository[Master]):
    model = Master

    async def delivering(self, service_id: uuid.UUID) -> list[Staff]:
        """The active masters (with active accounts) who deliver the service."""
        rows = await self.session.execute(
            self.scoped()
            .add_columns(User)
            .join(service_masters, service_masters.c.master_id == Master.id)
            .join(User, User.id == Master.user_id)
            .where(
                service_masters.c.service_id == service_id,
                Master.is_active.is_(True),
                User.is_active.is_(True),
            )
            .order_by(Master.created_at, Master.id)
        )
        return [Staff(row[0], row[1]) for row in rows]


class BookingLoadRepository(TenantRepository[Booking]):
    model = Booking

    async def per_master(
        self, master_ids: list[uuid.UUID], day: Span, now: datetime
    ) -> dict[uuid.UUID, int]:
        """Active bookings starting within `day`, per master."""
        rows = await self.session.execute(
            self.scoped()
            .with_only_columns(Booking.master_id, func.count())
            .where(
                Booking.master_id.in_(master_ids),
                Booking.starts_at >= day.start,
                Booking.starts_at < day.end,
                still_holds(now),
            )
            .group_by(Booking.master_id)
        )
        return {master_id: count for master_id, count in rows if master_id}


async def admin_recipients(session: AsyncSession, business: Business) -> list[tuple[str, str]]:
    """(email, language) of whoever hears of new bookings: the business's contact
    email, else its owners; the contact email is written to in the first owner's
    language."""
    rows = await session.execute(
        select(User.email, User.language)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.business_id == business.id,
            Membership.role == BusinessRole.OWNER,
            User.is_active.is_(True),
            User.email.is_not(None),
        )
        .order_by(Membership.created_at, User.id)
    )
    owners = [(str(email), language) for email, language in rows]
    if business.contact_email:
        return [(business.contact_email, owners[0][1] if owners else "en")]
    return owners


# --- placing -------------------------------------------------------------------


async def _serialize_writes(session: AsyncSession) -> None:
    """SQLite: take the write lock now (see the module docstring). PostgreSQL needs
    nothing: its exclusion constraints decide between concurrent inserts."""
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if driver is not None and not driver.in_transaction:
        await session.execute(text("BEGIN IMMEDIATE"))


def _only_location(master: Master) -> uuid.UUID | None:
    """Where the appointment takes place, when the master works at one location only
    (as POST /bookings decides)."""
    return master.locations[0].id if len(master.locations) == 1 else None


def _fairest_first(staff: list[Staff], load: dict[uuid.UUID, int]) -> list[Staff]:
    """Fewest bookings first; a random order among equals (the shuffle, then a stable
    sort), so equally busy masters share the work."""
    order = list(staff)
    random.SystemRandom().shuffle(order)
    order.sort(key=lambda one: load.get(one.master.id, 0))
    return order


def _nobody_free(refusals: list[BookingConflict | BusinessRuleViolation]) -> Exception:
    if not refusals:
        return BusinessRuleViolation(
            "Nobody delivers this service at the moment",
            details=[ErrorDetail("serviceId", "has no active master", "NO_MASTER")],
        )
    if any(isinstance(refusal, BookingConflict) for refusal in refusals):
        return BookingConflict(
            "No master of this service is free at this time",
            details=[ErrorDetail("scheduledAt", "every master is booked at this time", "BOOKED")],
        )
    return refusals[0]


@dataclass(frozen=True, slots=True)
class Placed:
    booking: Booking
    service: Service | None = None
    staff: Staff | None = None


async def _book_fairly(
    session: AsyncSession, staff: list[Staff], wanted: Appointment, who: Who
) -> Placed:
    """Try the masters fairest first; the first one whose booking is inserted wins."""
    now = utcnow()
    zone = ZoneInfo(wanted.business.timezone)
    day = local_day(wanted.start.astimezone(zone).date(), zone)
    load = await BookingLoadRepository(session, wanted.business.id).per_master(
        [one.master.id for one in staff], day, now
    )
    refusals: list[BookingConflict | BusinessRuleViolation] = []
    for one in _fairest_first(staff, load):
        wanted.master, wanted.location_id = one.master, _only_location(one.master)
        try:
            # A refused insert must not abort the transaction the next try runs in.
            async with session.begin_nested():
                booking = await place_appointment(session, wanted, who, now)
        except (BookingConflict, BusinessRuleViolation) as refusal:
            refusals.append(refusal)
            continue
        return Placed(booking, wanted.service, one)
    raise _nobody_free(refusals)


async def _place_appointment(
    session: AsyncSession,
    business: Business,
    body: PublicBookingIn,
    customer: User | None,
    who: Who,
) -> Placed:
    assert body.service_id is not None
    assert body.scheduled_at is not None
    service = await ServiceRepository(session, business.id).active(body.service_id)
    if service is None:
        raise ValidationFailed.on(
            "serviceId", "is not an active service of this business", "UNKNOWN_SERVICE"
        )
    staff = await MasterRepository(session, business.id).delivering(service.id)
    if body.master_id not in (None, ANY_MASTER):
        staff = [one for one in staff if str(one.master.id) == body.master_id]
        if not staff:
            raise ValidationFailed.on(
                "masterId", "is not an active master of this service", "UNKNOWN_MASTER"
            )
    if not staff:
        raise _nobody_free([])
    await _serialize_writes(session)
    wanted = Appointment(
        business=business,
        master=staff[0].master,
        service=service,
        start=body.scheduled_at.astimezone(UTC),
        contact=Contact(name=body.name, email=body.email, phone=body.phone),
        customer=customer,
        notes=body.notes or "",
        location_id=_only_location(staff[0].master),
    )
    if len(staff) == 1:
        booking = await place_appointment(session, wanted, who, utcnow())
        return Placed(booking, service, staff[0])
    return await _book_fairly(session, staff, wanted, who)


async def _place_inquiry(
    session: AsyncSession, business: Business, body: PublicBookingIn, who: Who
) -> Placed:
    assert body.time_slot is not None
    start = body.time_slot.start_time.astimezone(UTC)
    span = Span(start, start + timedelta(minutes=body.time_slot.duration))
    contact = Contact(
        name=body.name, email=body.email, phone=body.phone, company=body.company or ""
    )
    await _serialize_writes(session)
    booking = await place_inquiry(
        session, business, span, contact, body.inquiry or "", who, utcnow()
    )
    return Placed(booking)


# --- confirmations -------------------------------------------------------------

_SUBJECT_LENGTH = 300  # outbox_messages.subject


def _facts(business: Business, placed: Placed) -> BookingFacts:
    booking = placed.booking
    master = f"{placed.staff.user.first_name} {placed.staff.user.last_name}" if placed.staff else ""
    return BookingFacts(
        business=business.name,
        reference=str(booking.id)[:8].upper(),
        kind=booking.kind,
        status=booking.status,
        start=booking.starts_at,
        minutes=int((booking.ends_at - booking.starts_at).total_seconds() // 60),
        timezone=booking.timezone,
        service=booking.service_name,
        master=master.strip(),
        name=booking.contact_name,
        email=booking.contact_email,
        phone=booking.contact_phone,
        company=booking.company,
        notes=booking.inquiry if booking.kind is BookingKind.INQUIRY else booking.notes,
        total=booking.total_amount,
        deposit=booking.deposit_amount,
        currency=booking.currency,
        payment_deadline=booking.payment_deadline,
    )


async def queue_confirmations(
    session: AsyncSession, business: Business, placed: Placed, language: str
) -> None:
    """The client's confirmation (email, or SMS when only a phone was given) and the
    admins' notes, in the outbox of this transaction. A message that cannot be
    written is logged and left out: it never costs the client the booking."""
    admins = await admin_recipients(session, business)
    booking = placed.booking

    def message(channel: Channel, recipient: str, subject: str, body: str) -> OutboxMessage:
        return OutboxMessage(
            business_id=business.id,
            channel=channel,
            recipient=recipient,
            subject=subject[:_SUBJECT_LENGTH],
            body=body,
        )

    try:
        facts = _facts(business, placed)
        messages = []
        if booking.contact_email:
            messages.append(
                message(Channel.EMAIL, booking.contact_email, *client_email(facts, language))
            )
        elif booking.contact_phone:
            messages.append(
                message(Channel.SMS, booking.contact_phone, "", client_sms(facts, language))
            )
        for email, admin_language in admins:
            messages.append(message(Channel.EMAIL, email, *admin_email(facts, admin_language)))
    except Exception:
        log.exception("booking_confirmation_not_queued", booking_id=str(booking.id))
        return
    session.add_all(messages)


# --- the route -----------------------------------------------------------------


async def _business(
    request: Request, session: AsyncSession, base_domain: str, named: str | None
) -> Business:
    host = subdomain_of_host(request.headers.get("host", ""), base_domain)
    if named is None and host is None:
        raise ValidationFailed.on(
            "business",
            "give the business's subdomain, or call on {subdomain}.BASE_DOMAIN",
            "REQUIRED",
        )
    if named is not None and host is not None and named.lower() != host:
        raise ValidationFailed.on(
            "business", "names another business than the Host", "HOST_MISMATCH"
        )
    return await business_by_subdomain(session, named.lower() if named else host)


async def book_publicly(
    session: AsyncSession,
    business: Business,
    body: PublicBookingIn,
    kind: Literal["appointment", "inquiry"],
    customer: User | None,
    language: str,
) -> Placed:
    """Place the appointment or inquiry of `body` and queue its confirmations."""
    who = Who("user", customer.id) if customer else Who("guest")
    if kind == "inquiry":
        placed = await _place_inquiry(session, business, body, who)
    else:
        placed = await _place_appointment(session, business, body, customer, who)
    await queue_confirmations(session, business, placed, language)
    return placed


async def limit_public_bookings(request: Request, limiter: LimiterDep) -> None:
    """Guests have no user bucket: RATE_LIMIT_USER_BOOKINGS, counted per client IP."""
    ip = request.client.host if request.client else "unknown"
    await limiter.enforce(limiter.rules.user_bookings, "public-booking", ip)


@router.post(
    "/booking",
    status_code=201,
    summary="Book an appointment or send an inquiry as a guest",
    description=(
        "An **appointment** (seed 002): `serviceId`, `masterId` (a master id, or "
        '`"any"`, the default: the free master with the fewest bookings that day), '
        "`scheduledAt`, `name`, `email` and/or `phone`, `notes`. An **inquiry** "
        "(seed 003), chosen by `timeSlot`: `name`, `company`, `email`, `phone`, "
        "`inquiry`, `timeSlot {startTime, duration}` (15 to 480 minutes) on the "
        "business's opening hours. The business is `business` (its subdomain) or the "
        "one the Host names (`{subdomain}.BASE_DOMAIN`). A signed-in caller's "
        "appointment is also linked to their account. Confirmations to the client (in "
        "the Accept-Language language) and to the business are queued in the outbox. "
        "Taken time is 409 BOOKING_CONFLICT; a time outside the hours, too soon or too "
        "far ahead is 422. Limited by RATE_LIMIT_USER_BOOKINGS per client IP."
    ),
    responses=error_responses(400, 401, 404, 409, 422, 429),
    dependencies=[Depends(limit_public_bookings)],
)
async def public_booking(
    request: Request,
    body: PublicBookingIn,
    session: SessionDep,
    settings: SettingsDep,
    user: OptionalUserDep,
    language: Annotated[str, Depends(preferred_language)],
) -> Envelope[PublicBookingCreatedOut]:
    kind = shape(body)
    business = await _business(request, session, settings.base_domain, body.business)
    customer = user.user if user else None
    placed = await book_publicly(session, business, body, kind, customer, language)
    staff = placed.staff
    booking = PublicBookingOut.of(
        placed.booking,
        placed.service,
        staff.master if staff else None,
        staff.user if staff else None,
    )
    return ok(PublicBookingCreatedOut(booking=booking))
